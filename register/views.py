"""The SHAK dependency register's pages under /register/.

Who may (parties.access.Access): the SOR-team and the steering group read every
entry, a party's reporters the entries their party owns (RSI also the regions')
and a supplier's reporters the entries it maintains. The SOR-team creates,
edits, moves and imports; a party's reporters propose a new state, plan texts and
dates for the entries their party owns in their monthly progress update
(register/reporting.py), which the SOR-team accepts or rejects. 404 for an entry
the person may not see, 403 for one they may see but not change.
"""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import DateField, F, Value
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.cache import cached, cached_many, page_html, stamp
from core.forms import add_service_errors
from core.imports import pages as import_pages
from core.spreadsheets import XLSX_CONTENT_TYPE
from core.versioning import EditConflict
from milestones.exports import list_export, requested_format
from milestones.models import Activity, Milestone, ProgressUpdate
from milestones.selectors import stamp_part
from milestones.views.plan import CountedPaginator, cached_rows, filter_form_html
from parties.access import request_access
from parties.models import Membership, Party

from . import history, selectors, services
from .exports import ENTRY_COLUMNS
from .forms import EntryForm, FilterForm, PlanForm, StateForm, StepForm
from .imports import register_import, template_xlsx
from .models import Entry, EntryProposal, Step
from .reporting import pending_proposals

PAGE_SIZE = 50
CACHE_SECONDS = 600
# An entry's page shows its newest changes; the rest are on its history page, paged.
HISTORY_SHOWN = 30
HISTORY_PAGE_SIZE = 50
# As long as the page's own HTML: a change names its user, whose name has no history.
HISTORY_CACHE_SECONDS = CACHE_SECONDS
# What a change's words name besides its own rows: parties, activities and milestones.
HISTORY_NAME_MODELS = (Party, Activity, Milestone)


# ---------------------------------------------------------------------------
# Fetch and authorise
# ---------------------------------------------------------------------------
def require_register_editor(request) -> None:
    if not request_access(request).can_edit_register:
        raise PermissionDenied(_("Kun SOR-teamets redaktører kan ændre registeret."))


def get_entry_for_user(request, key: str, *, write: bool = False, under=None) -> Entry:
    """The entry if the person may read it (else 404); `write`: only the SOR-team
    changes it directly (else 403; a party's reporters propose in their update).
    `under`: the pages' stamp (`PAGE_MODELS`), which the entry is cached under, so a
    warm page reads only the stamp."""
    entries = Entry.objects.select_related("owner", "supplier")
    if under is None:
        entry = get_object_or_404(entries, key=key)
    else:
        entry = cached(
            "register",
            ("entry", key, under),
            lambda: entries.filter(key=key).first(),
            seconds=CACHE_SECONDS,
        )
        if entry is None:
            raise Http404
    access = request_access(request)
    if not access.may_read_register_entry(owner_id=entry.owner_id, supplier_id=entry.supplier_id):
        raise Http404
    if write:
        require_register_editor(request)
    return entry


def _saved(request, form, changed: bool) -> None:
    if changed:
        messages.success(request, _("Ændringerne er gemt."))
    else:
        messages.info(request, _("Der var ingen ændringer at gemme."))
    for note in getattr(form, "notes", ()):
        messages.info(request, note)


def _rebound(form_class, request, conflict: EditConflict, **kwargs):
    """The person's input again, on the version now saved (after a conflict)."""
    data = request.POST.copy()
    data["version"] = conflict.current.version
    return form_class(data, **kwargs)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
# What the list and an entry's page show: their content is cached as HTML under the
# newest history row of each (`core.cache.stamp`, one query), so any save through the
# services shows on the next request; per person, as what one may see and do differs.
PAGE_MODELS = (Entry, Step, EntryProposal, Party, Membership, Activity, Milestone, ProgressUpdate)


def _page(request, *, kind: str, title: str, build, page_stamp=None):
    """`build(page_stamp)` -> (template, context), its HTML cached under the stamp
    (`page_stamp` when the view has read it)."""
    page_stamp = page_stamp or stamp(models=PAGE_MODELS)
    content, _context = page_html(
        request,
        namespace="register",
        parts=("html", kind, page_stamp, request.user.pk),
        build=lambda: build(page_stamp),
        seconds=CACHE_SECONDS,
    )
    return render(request, "register/page.html", {"content": content, "page_title": title})


def _entry_row_shows(e) -> tuple:
    """Everything a list row shows that can change (`register/_entry_row.html`), not the
    entry's version: an edit of what the row does not show (the description, the plan)
    leaves the row as it was, neither read nor rendered again."""
    return (
        *(getattr(e, name) for name in _ROW_FIELDS),
        e.owner.label,
        e.supplier.label if e.supplier_id else None,
    )


# What a list row shows of the entry's own fields (`_entry_row_shows`), and all it shows
# as values read for the page's rows (`_listed`).
_ROW_FIELDS = ("key", "name", "is_nsp_service", "is_demo", "kind", "category", "state")
_ROW_VALUES = (
    "pk",
    *_ROW_FIELDS,
    "owner__short_name",
    "owner__name",
    "supplier_id",
    "supplier__short_name",
    "supplier__name",
)


def _listed(values: dict) -> SimpleNamespace:
    """A list row's entry as read by `_ROW_VALUES`: the attributes `_entry_row_shows` reads,
    its owner and supplier by their labels (`Party.label_of`)."""
    supplier = values["supplier_id"] and SimpleNamespace(
        label=Party.label_of(values["supplier__short_name"], values["supplier__name"])
    )
    return SimpleNamespace(
        **{name: values[name] for name in _ROW_VALUES if "__" not in name},
        owner=SimpleNamespace(
            label=Party.label_of(values["owner__short_name"], values["owner__name"])
        ),
        supplier=supplier,
    )


@require_safe
def entry_list(request):
    """The entries the person may read, with filters kept in the URL, 50 a page."""
    access = request_access(request)
    form = FilterForm(request.GET or None)
    filters = selectors.ListFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.ListFilters(
            party=data.get("part"),
            kind=data.get("type") or None,
            category=data.get("kategori") or None,
            state=data.get("tilstand") or None,
            search=(data.get("q") or "").strip(),
        )
    entries = selectors.entry_list(access, filters)
    if requested_format(request):
        return list_export(
            request,
            name="shak-register",
            title=_("SHAK-afhængigheder"),
            columns=ENTRY_COLUMNS,
            rows=entries.order_by("name", "pk"),
            form=form,
        )

    def build(page_stamp):
        # The page's rows read as values, with what keys each (`_entry_row_shows`); after
        # an edit only the rows whose shown values changed are read whole and rendered.
        # Counted without the joins that the values' names add.
        page = CountedPaginator(
            entries.values(*_ROW_VALUES), PAGE_SIZE, count=entries.count()
        ).get_page(request.GET.get("side"))
        page.object_list = [_listed(values) for values in page.object_list]
        cached_rows(
            request,
            page.object_list,
            template="register/_entry_row.html",
            name="e",
            shows=_entry_row_shows,
            context={},
            whole=lambda rows: Entry.objects.select_related("owner", "supplier").in_bulk(
                [row.pk for row in rows]
            ),
        )
        return "register/_entry_list_main.html", {
            "form": form,
            # Its check reads the parties: their part of the page's stamp.
            "filter_form": filter_form_html(
                request,
                form,
                _("Filtrér registeret"),
                stamp=page_stamp,
                of=PAGE_MODELS,
                models=(Party,),
            ),
            "page": page,
            "entries": page.object_list,
        }

    return _page(request, kind="list", title=_("SHAK-afhængigheder"), build=build)


class _ShownChange:
    """A change as `milestones/_history_entries.html` shows it: its HTML rendered."""

    def __init__(self, row_html: str):
        self.row_html = row_html


def _names_stamp(page_stamp: tuple) -> tuple:
    """Of the page's stamp, the part of the models a change's words name."""
    return tuple(
        page_stamp[2 * i : 2 * i + 2]
        for i, model in enumerate(PAGE_MODELS)
        if model in HISTORY_NAME_MODELS
    )


def history_html(keys: list[history.ChangeKey], names: tuple) -> list[_ShownChange]:
    """The changes `keys` (`history.entry_history_keys`) as HTML, each cached under its
    history row, the version it is compared with and `names` (the stamp of the names it
    may show), one round trip to the cache: after an edit only the new change's rows are
    read, worded and rendered. In the active language (the cache's key has it)."""
    parts = {k: (*k, names) for k in keys}
    template = get_template("milestones/_history_entry.html")

    def build(missing):
        shown = history.shown_rows(missing)
        return {
            s.key: template.render({"e": change})
            for s, change in zip(shown, history.words(shown), strict=True)
        }

    html = cached_many("register-history", parts, build, seconds=HISTORY_CACHE_SECONDS)
    return [_ShownChange(html[k]) for k in keys]


class _History:
    """An entry's history for `Paginator`: counted by the query that reads a page's keys."""

    def __init__(self, entry, names: tuple):
        self.entry, self.names = entry, names
        self.first = history.entry_history_keys(entry, limit=HISTORY_PAGE_SIZE)

    def count(self) -> int:
        return self.first[1]

    def __getitem__(self, part: slice) -> list[_ShownChange]:
        size = part.stop - part.start
        keys = (
            self.first[0][part]
            if part.stop <= HISTORY_PAGE_SIZE
            else history.entry_history_keys(self.entry, limit=size, offset=part.start)[0]
        )
        return history_html(keys, self.names)


# The parts of an entry's page that an edit of its own facts or plan leaves as they were
# (the bench's edit, and most of the SOR-team's): each cached as HTML under the part of
# the page's stamp that watches what it reads, with the entry's values it shows, so
# after such an edit neither is read, rated or rendered again. {part: (template, models)}
ENTRY_PAGE_PARTS = {
    "steps": ("register/_entry_steps.html", (Step,)),
    "proposals": (
        "register/_entry_proposals.html",
        (EntryProposal, ProgressUpdate, Party, Membership),
    ),
}


def _entry_parts(request, entry, page_stamp: tuple, access) -> dict[str, str]:
    """{"steps_html", "proposals_html"}: the entry's steps with their RAG today (under
    the steps' stamp, the day and the editor right) and its proposals awaiting the
    SOR-team that the reader may read (under the proposals', updates', parties' and
    memberships' stamp, the reader and the entry's state, which a proposal's words name),
    one round trip to the cache; the entry's key and name are in both keys (their links
    and words)."""
    today = timezone.localdate()
    may_edit = access.can_edit_register
    shown = {
        "steps": (today.isoformat(), may_edit),
        "proposals": (request.user.pk, entry.state),
    }
    parts = {
        name: (
            "entry-part",
            1,
            name,
            entry.pk,
            entry.key,
            entry.name,
            stamp_part(page_stamp, models, of=PAGE_MODELS),
            *shown[name],
        )
        for name, (_template, models) in ENTRY_PAGE_PARTS.items()
    }

    def build(missing) -> dict[str, str]:
        context = {"entry": entry, "may_edit": may_edit}
        if "steps" in missing:
            context["steps"] = selectors.entry_steps(entry, today=today)
        if "proposals" in missing:
            context["proposals"] = pending_proposals(entry, access)
        return {
            name: render_to_string(ENTRY_PAGE_PARTS[name][0], context, request) for name in missing
        }

    html = cached_many("register", parts, build, seconds=CACHE_SECONDS)
    return {f"{name}_html": mark_safe(value) for name, value in html.items()}  # rendered


def _belongs_to(entry) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The entry's activities and milestones as (key, title), in their models' order (an
    activity by track, order and title; a milestone by its activity's, then its order,
    forecast and title), sorted by the database: one query instead of one for each."""
    activities = _linked(
        Activity, entry, 0, ("track", "sort_order", "title"), Value(0), Value(None, DateField())
    )
    milestones = _linked(
        Milestone,
        entry,
        1,
        ("activity__track", "activity__sort_order", "activity__title"),
        F("sort_order"),
        F("forecast_date"),
    )
    found: tuple[list, list] = ([], [])
    rows = activities.union(milestones, all=True).order_by(
        "part", "o_track", "o_order", "o_title", "o_own", "o_date", "title"
    )
    for part, key, title, *_order in rows:
        found[part].append((key, title))
    return found


def _linked(model, entry, part: int, activity_order: tuple, own_order, forecast):
    """`_belongs_to`'s rows of `model`: (part, key, title, then the order's columns)."""
    track, order, title = (F(name) for name in activity_order)
    return (
        model.objects.filter(register_entries=entry)
        .order_by()
        .annotate(
            part=Value(part),
            o_track=track,
            o_order=order,
            o_title=title,
            o_own=own_order,
            o_date=forecast,
        )
        .values_list("part", "key", "title", "o_track", "o_order", "o_title", "o_own", "o_date")
    )


@require_safe
def entry_detail(request, key):
    """An entry: its facts, SHAK state, plan, steps with RAG, and its newest changes
    (the rest on its history page)."""
    page_stamp = stamp(models=PAGE_MODELS)
    entry = get_entry_for_user(request, key, under=page_stamp)
    access = request_access(request)

    def build(page_stamp):
        keys, count = history.entry_history_keys(entry, limit=HISTORY_SHOWN)
        activities, milestones = _belongs_to(entry)
        return "register/_entry_detail_main.html", {
            "entry": entry,
            **_entry_parts(request, entry, page_stamp, access),
            "activities": activities,
            "milestones": milestones,
            "entries": history_html(keys, _names_stamp(page_stamp)),
            "history_count": count,
            "history_shown": HISTORY_SHOWN,
            "may_edit": access.can_edit_register,
            "may_propose": access.may_propose_register_change(owner_id=entry.owner_id),
            "reporting_url": reverse("milestones:reporting_home"),
        }

    return _page(
        request, kind=f"entry:{entry.pk}", title=entry.name, build=build, page_stamp=page_stamp
    )


@require_safe
def entry_history(request, key):
    """An entry's whole history, newest first, 50 a page."""
    entry = get_entry_for_user(request, key)

    def build(page_stamp):
        rows = _History(entry, _names_stamp(page_stamp))
        page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("side"))
        return "register/_entry_history_main.html", {
            "entry": entry,
            "page": page,
            "entries": page.object_list,
        }

    title = _("Historik: %(title)s") % {"title": entry.name}
    return _page(request, kind=f"history:{entry.pk}", title=title, build=build)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def entry_create(request):
    require_register_editor(request)
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(
                user=request.user,
                data=form.changes(),
                activities=form.cleaned_data["activities"],
                milestones=form.cleaned_data["milestones"],
                reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Posten er oprettet."))
            return redirect("register:entry_detail", entry.key)
    return render(
        request,
        "register/entry_form.html",
        {"form": form, "creating": True, "cancel_url": reverse("register:entry_list")},
    )


def _edit_page(request, entry, *, form, save, rebind, template, rename=None, **context):
    """The shape every edit page of an entry shares: save the valid form through
    `save(cleaned_data) -> (row, changed)`; on `EditConflict` the person's input again
    on the version now saved (`rebind(conflict)`), with what the other person saved;
    a service's `ValidationError` onto the form; else back to the entry's page."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, changed = save(form.cleaned_data)
        except EditConflict as error:
            conflict = error
            form = rebind(error)
        except ValidationError as error:
            add_service_errors(form, error, rename=rename)
        else:
            _saved(request, form, changed)
            return redirect("register:entry_detail", entry.key)
    return render(
        request,
        template,
        {
            "form": form,
            "entry": entry,
            "conflict": conflict,
            "cancel_url": reverse("register:entry_detail", args=[entry.key]),
            **context,
        },
    )


@require_http_methods(["GET", "POST"])
def entry_edit(request, key):
    """The SOR-team's edit of an entry's facts and plan."""
    entry = get_entry_for_user(request, key, write=True)
    form = EntryForm(request.POST or None, instance=Entry.objects.get(pk=entry.pk))
    return _edit_page(
        request,
        entry,
        form=form,
        save=lambda data: services.entry_update(
            entry_id=entry.pk,
            version=data["version"],
            user=request.user,
            data=form.changes(),
            activities=data["activities"],
            milestones=data["milestones"],
            reason=data["change_reason"],
        ),
        rebind=lambda error: _rebound(
            EntryForm, request, error, instance=Entry.objects.get(pk=entry.pk)
        ),
        template="register/entry_form.html",
    )


@require_http_methods(["GET", "POST"])
def plan_edit(request, key):
    """The transition plan (texts, budget, support, release). A party's reporters
    propose changes in their monthly update instead (register/reporting.py)."""
    entry = get_entry_for_user(request, key, write=True)
    form = PlanForm(request.POST or None, instance=Entry.objects.get(pk=entry.pk))
    return _edit_page(
        request,
        entry,
        form=form,
        save=lambda data: services.entry_update(
            entry_id=entry.pk,
            version=data["version"],
            user=request.user,
            data=form.changes(),
            reason=data["change_reason"],
            fields=services.PLAN_FIELDS,
        ),
        rebind=lambda error: _rebound(
            PlanForm, request, error, instance=Entry.objects.get(pk=entry.pk)
        ),
        template="register/plan_form.html",
    )


@require_http_methods(["GET", "POST"])
def state_set(request, key):
    """Move the entry's SHAK use, with the rules for dates, confirmation and reasons."""
    entry = get_entry_for_user(request, key, write=True)
    return _edit_page(
        request,
        entry,
        form=StateForm(request.POST or None, entry=entry),
        save=lambda data: services.entry_state_set(
            entry_id=entry.pk,
            version=data["version"],
            user=request.user,
            state=data["state"],
            date=data["state_date"],
            precision=data["state_date_precision"],
            confirmed_by=data["state_confirmed_by"],
            reason=data["change_reason"],
        ),
        rebind=lambda error: _rebound(StateForm, request, error, entry=error.current),
        template="register/state_form.html",
        rename={"reason": "change_reason"},
    )


@require_http_methods(["GET", "POST"])
def step_edit(request, key, kind):
    """One step's dates, baseline included."""
    entry = get_entry_for_user(request, key, write=True)
    if kind not in Step.Kind.values:
        raise Http404
    step = Step.objects.filter(entry=entry, kind=kind).first()
    form = StepForm(request.POST or None, step=step, may_set_baseline=True)
    return _edit_page(
        request,
        entry,
        form=form,
        save=lambda data: services.step_set(
            entry_id=entry.pk,
            kind=kind,
            version=data["version"],
            user=request.user,
            data=form.changes(),
            reason=data["change_reason"],
        ),
        rebind=lambda error: _rebound(
            StepForm, request, error, step=error.current, may_set_baseline=True
        ),
        template="register/step_form.html",
        kind_label=Step.Kind(kind).label,
    )


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload a file: its preview (a dry run) or every error; nothing is written yet."""
    require_register_editor(request)
    return import_pages.upload_page(
        request, run=register_import, prefix="register", template="register/import.html"
    )


@require_POST
def import_confirm(request):
    """Import the previewed file for real (all or nothing)."""
    require_register_editor(request)
    return import_pages.confirm(
        request,
        run=register_import,
        prefix="register",
        template="register/import.html",
        again="register:import",
        done="register:entry_list",
    )


@require_safe
def import_template(request):
    """The .xlsx template with the columns, Danish headers and drop-down lists."""
    require_register_editor(request)
    response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="shak-register-skabelon.xlsx"'
    return response
