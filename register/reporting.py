"""The register's section of a party's monthly progress update (see
milestones/services/sections.py): the entries the party owns, where its reporters
propose a new SHAK state, changed plan texts and step dates; saved with the draft,
submitted with it, and accepted or rejected one by one by the SOR-team when it
reviews the update, like the update's proposed milestone dates.

Which entries an update lists (`update_entries`): those the update's party owns
that belong to the update's activity; in the party's first update of the round
(by the activities' order) also those that belong to none of its activities in the
round, so that every entry can be reported on once. RSI's reporters write the
regions' updates (as in the reporting rounds), and so propose for the regions'
entries.
"""

from django import forms
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from milestones.dates import format_plan_date
from milestones.models import DatePrecision, RoundObligation, period_start
from milestones.services.sections import ReviewItem
from milestones.views.plan import cached_forms_html

from . import services
from .forms import DateInputField
from .models import Entry, EntryProposal, ShakState, Step


# ---------------------------------------------------------------------------
# Which entries
# ---------------------------------------------------------------------------
def update_entries(*, round_, party, activity):
    """The entries a party's update on an activity lists (see the module's docstring),
    with their steps, by name. Two queries, then one for the steps."""
    activity_ids = list(
        RoundObligation.objects.filter(round=round_, party=party)
        .order_by("activity__sort_order", "activity__title", "activity_id")
        .values_list("activity_id", flat=True)
    )
    belongs = Q(activities=activity)
    if activity_ids and activity_ids[0] == activity.pk:
        linked = Entry.activities.through.objects.filter(activity_id__in=activity_ids)
        belongs |= ~Q(pk__in=linked.values("entry_id"))
    return (
        Entry.objects.filter(owner=party)
        .filter(belongs)
        .distinct()
        .select_related("owner", "supplier")
        .prefetch_related("steps")
        .order_by("name", "key")
    )


# ---------------------------------------------------------------------------
# The form for one entry
# ---------------------------------------------------------------------------
class EntryProposalForm(forms.Form):
    """A party's proposal for one entry. Empty or unchanged fields propose nothing."""

    state = forms.ChoiceField(label=gettext_lazy("Ny SHAK-anvendelse"), required=False)
    state_date = DateInputField(
        label=gettext_lazy("Dato for tilstanden"),
        required=False,
        help_text=gettext_lazy("Skal udfyldes for “Kun SOR” og “Udfaset”: hvornår det skete."),
    )
    state_date_precision = forms.ChoiceField(
        label=gettext_lazy("Præcision, dato"),
        choices=DatePrecision.choices,
        initial=DatePrecision.DAY,
        required=False,
    )
    state_confirmed_by = forms.CharField(
        label=gettext_lazy("Bekræftet af"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Skal udfyldes for “Kun SOR” og “Udfaset”: navn og rolle."),
    )
    state_reason = forms.CharField(
        label=gettext_lazy("Begrundelse"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Skal udfyldes, når tilstanden går et skridt tilbage."),
    )

    def __init__(self, *args, entry: Entry, proposal: EntryProposal | None = None, **kwargs):
        self.entry = entry
        self.proposal = proposal
        kwargs.setdefault("prefix", f"reg{entry.pk}")
        super().__init__(*args, **kwargs)
        self.summary_name = entry.name
        self.fields["state"].choices = [
            ("", _("Uændret (nu: %(state)s)") % {"state": entry.get_state_display()}),
            *((v, label) for v, label in ShakState.choices if v != entry.state),
        ]
        for name in services.PROPOSAL_PLAN_FIELDS:
            model_field = Entry._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=model_field.verbose_name.capitalize(),
                required=False,
                max_length=model_field.max_length,
                widget=forms.Textarea(attrs={"rows": 2}) if not model_field.max_length else None,
            )
        self.step_rows = []
        for kind, label in Step.Kind.choices:
            names = []
            for prefix, what in (
                ("forecast", gettext_lazy("forventet")),
                ("actual", gettext_lazy("faktisk")),
            ):
                self.fields[f"{kind}_{prefix}_date"] = DateInputField(
                    label=f"{label}, {what}", required=False
                )
                self.fields[f"{kind}_{prefix}_precision"] = forms.ChoiceField(
                    label=_("%(step)s, præcision (%(what)s)") % {"step": label, "what": what},
                    choices=DatePrecision.choices,
                    required=False,
                )
                names += [f"{kind}_{prefix}_date", f"{kind}_{prefix}_precision"]
            self.step_rows.append((label, names))
        if not self.is_bound:
            self.initial.update(entry_initial(entry, proposal))

    @property
    def plan_fields(self):
        return [self[name] for name in services.PROPOSAL_PLAN_FIELDS]

    @property
    def bound_step_rows(self):
        return [(label, [self[n] for n in names]) for label, names in self.step_rows]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # An imprecise date is stored as its period's first day, as a proposed
        # milestone date is.
        for date_name in [n for n in self.fields if n.endswith("_date")]:
            precision = cleaned.get(date_name[: -len("date")] + "precision") or DatePrecision.DAY
            if date_name == "state_date":
                precision = cleaned.get("state_date_precision") or DatePrecision.DAY
            if cleaned.get(date_name):
                cleaned[date_name] = period_start(cleaned[date_name], precision)
        for name, message in services.entry_proposal_errors(self.proposal_input()).items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned

    def proposal_input(self) -> services.EntryProposalInput:
        data = self.cleaned_data
        steps = {}
        for kind in Step.Kind.values:
            steps[kind] = {
                name: data.get(f"{kind}_{name}") or (None if name.endswith("date") else "day")
                for name in services.PROPOSAL_STEP_FIELDS
            }
        return services.EntryProposalInput(
            entry=self.entry,
            state=data.get("state") or "",
            state_date=data.get("state_date"),
            state_date_precision=data.get("state_date_precision") or DatePrecision.DAY,
            state_confirmed_by=data.get("state_confirmed_by") or "",
            state_reason=data.get("state_reason") or "",
            plan={name: data.get(name) or "" for name in services.PROPOSAL_PLAN_FIELDS},
            steps=steps,
        )


def entry_initial(entry: Entry, proposal: EntryProposal | None) -> dict:
    """The values an entry's unbound form starts with: the entry as it is, with the saved
    proposal laid over it."""
    initial = {name: getattr(entry, name) for name in services.PROPOSAL_PLAN_FIELDS}
    steps = {s.kind: s for s in entry.steps.all()}
    for kind in Step.Kind.values:
        values = services._step_values(steps.get(kind))
        if proposal is not None and kind in proposal.steps:
            values = services.step_dates(proposal.steps[kind])
        initial.update({f"{kind}_{name}": value for name, value in values.items()})
    if proposal is not None:
        initial.update(proposal.plan)
        if proposal.state:
            initial.update(
                state=proposal.state,
                state_date=proposal.state_date,
                state_date_precision=proposal.state_date_precision,
                state_confirmed_by=proposal.state_confirmed_by,
                state_reason=proposal.state_reason,
            )
    return initial


# ---------------------------------------------------------------------------
# The section
# ---------------------------------------------------------------------------
class BoundRegisterSection:
    template = "register/_update_section.html"

    def __init__(self, *, entries, proposals, data=None):
        form_class = EntryProposalForm if data is not None else _UnboundEntryForm
        self.forms = [
            form_class(data, entry=entry, proposal=proposals.get(entry.pk)) for entry in entries
        ]
        self.entry_ids = {entry.pk for entry in entries}

    def prepare_html(self, request) -> None:
        """Each unbound entry's form as HTML (`form.row_html`), cached per entry under what
        it shows (`_form_shows`): a party's update lists dozens of entries of twenty-odd
        fields each, and rendering their widgets was most of the page. A form bound to a
        POST (with its errors) is rendered as it is."""
        cached_forms_html(
            request,
            self.forms,
            template="register/_update_entry.html",
            shows=_form_shows,
            ident=lambda form: form.entry.pk,
        )

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.forms])

    def save(self, *, update, user) -> None:
        services.entry_proposals_save(
            update=update,
            items=[form.proposal_input() for form in self.forms],
            entry_ids=self.entry_ids,
            user=user,
        )


class _UnboundEntryForm:
    """An entry's unbound form as the page starts it: its entry, saved proposal and
    `initial`, the form itself (`EntryProposalForm`, two dozen fields each) built only
    when its HTML is not in the cache (`prepare_html`) and a field is asked for. Building
    the forms of a party's dozens of entries was half of opening its update."""

    is_bound = False

    def __init__(self, data=None, *, entry: Entry, proposal: EntryProposal | None = None):
        self.entry = entry
        self.proposal = proposal
        self.initial = entry_initial(entry, proposal)

    @property
    def errors(self) -> ErrorDict:
        """None: an unbound form is not validated."""
        return ErrorDict()

    @cached_property
    def form(self) -> EntryProposalForm:
        return EntryProposalForm(entry=self.entry, proposal=self.proposal)

    def __getattr__(self, name):
        if name.startswith("_") or name == "form":
            raise AttributeError(name)
        return getattr(self.form, name)

    def __getitem__(self, name):
        # A template asks `pf.x` as `pf["x"]` first: the wrapper's own attributes (its
        # `row_html`, entry, proposal) are not the form's fields, and must not build it.
        if name in self.__dict__ or hasattr(type(self), name):
            raise KeyError(name)
        return self.form[name]


def _form_shows(form: EntryProposalForm | _UnboundEntryForm) -> tuple:
    """Everything an unbound entry's form renders that can change: the entry's name, key,
    state and demo mark, whether a proposal is saved, and the values it starts with (the
    entry's plan and steps with the saved proposal laid over them)."""
    entry = form.entry
    return (
        1,
        entry.key,
        entry.name,
        entry.state,
        entry.is_demo,
        form.proposal is not None,
        sorted((name, repr(value)) for name, value in form.initial.items()),
    )


def describe(proposal: EntryProposal) -> list[tuple[str, str]]:
    """A proposal's changes as (what, proposed) lines, in Danish or English."""
    lines = []
    if proposal.state:
        when = format_plan_date(proposal.state_date, proposal.state_date_precision)
        text = f"{proposal.entry.get_state_display()} → {proposal.get_state_display()}"
        if proposal.state_date:
            text += f" ({when}"
            if proposal.state_confirmed_by:
                text += ", " + _("bekræftet af %(who)s") % {"who": proposal.state_confirmed_by}
            text += ")"
        if proposal.state_reason:
            text += " – " + proposal.state_reason
        lines.append((_("SHAK-anvendelse"), text))
    for name, value in proposal.plan.items():
        label = Entry._meta.get_field(name).verbose_name.capitalize()
        lines.append((label, value or "–"))
    for kind, values in proposal.steps.items():
        dates = services.step_dates(values)
        parts = []
        for prefix, what in (("forecast", _("forventet")), ("actual", _("faktisk"))):
            date = dates.get(f"{prefix}_date")
            shown = format_plan_date(date, dates.get(f"{prefix}_precision")) if date else "–"
            parts.append(f"{what} {shown}")
        lines.append((str(Step.Kind(kind).label), ", ".join(parts)))
    return lines


class RegisterSection:
    """The register's part of a party's update (registered in `PROGRESS_UPDATE_SECTIONS`)."""

    key = "register"

    def bind(self, *, round_, party, activity, update, data=None) -> BoundRegisterSection:
        entries = list(update_entries(round_=round_, party=party, activity=activity))
        proposals = (
            {p.entry_id: p for p in update.register_proposals.all()} if update is not None else {}
        )
        return BoundRegisterSection(entries=entries, proposals=proposals, data=data)

    def review_items(self, update) -> list[ReviewItem]:
        return [
            ReviewItem(
                section=self.key,
                pk=proposal.pk,
                label=_("Godkend forslaget for %(name)s: %(changes)s")
                % {
                    "name": proposal.entry.name,
                    "changes": "; ".join(f"{what}: {new}" for what, new in describe(proposal)),
                },
            )
            for proposal in self._proposals(update).filter(decision=EntryProposal.Decision.PENDING)
        ]

    def accept(self, *, update, accepted_ids, user, reason) -> int:
        return services.entry_proposals_accept(
            update=update, accepted_ids=set(accepted_ids), user=user, reason=reason
        )

    def detail(self, update) -> dict:
        return {
            "template": "register/_update_section_detail.html",
            "proposals": [(p, describe(p)) for p in self._proposals(update)],
        }

    @staticmethod
    def _proposals(update):
        return update.register_proposals.select_related("entry").order_by("entry__name")


REGISTER_SECTION = RegisterSection()


def pending_proposals(entry: Entry, access) -> list[tuple[EntryProposal, list]]:
    """The entry's proposals awaiting the SOR-team, in updates the person may read."""
    proposals = (
        EntryProposal.objects.filter(entry=entry, decision=EntryProposal.Decision.PENDING)
        .select_related("entry", "update__round", "update__party", "update__activity")
        .order_by("-update__round__period")
    )
    return [(p, describe(p)) for p in proposals if access.may_read_update(p.update)]
