"""The register's spreadsheet: its columns, the import through `core.imports`, and
the downloadable template written with `core.spreadsheets`.

A file may hold a subset of the columns (the key, name, type and owner always):
only the columns present are written, so a file of states alone updates states.
"""

import copy
from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import imports
from core.history import apply_changes, bulk_update_with_history, history_from_live
from core.imports import Column, ImportSpec, Row
from core.spreadsheets import Sheet, xlsx_bytes
from milestones.models import Activity, DatePrecision, Milestone
from parties.models import Party

from . import services
from .models import Entry, ShakState, Step
from .readiness import entries_rate

STEP_COLUMNS = {
    Step.Kind.CHANGES_MADE: gettext_lazy("Ændringer lavet"),
    Step.Kind.TESTED: gettext_lazy("Testet"),
    Step.Kind.IN_PRODUCTION: gettext_lazy("I produktion"),
}
STEP_DATES = {
    "baseline": gettext_lazy("baseline"),
    "forecast": gettext_lazy("forventet"),
    "actual": gettext_lazy("faktisk"),
}
DATE_COLUMNS = {"state_date": "state_date_precision", "release_date": "release_precision"}


def _labels(choices) -> list[str]:
    return [str(label) for _value, label in choices]


def _parties() -> dict:
    found = {}
    for party in Party.objects.all():
        for name in (party.name, party.short_name, party.key):
            if name:
                found.setdefault(name, party)
    return found


def _suppliers() -> dict:
    return {k: p for k, p in _parties().items() if p.kind == Party.Kind.IT_SUPPLIER}


def _by_key(model):
    return lambda: {obj.key: obj for obj in model.objects.only("pk", "key")}


def step_column_name(kind: str, which: str) -> str:
    return f"step__{kind}__{which}"


def build_columns() -> list[Column]:
    """The columns. The file's headers and choice labels are Danish whatever the page's
    language, so one file imports the same for everyone."""
    with translation.override("da"):
        return _columns()


def _columns() -> list[Column]:
    text = imports.text
    columns = [
        Column(
            _("Nøgle"),
            "key",
            imports.slug_key(),
            required=True,
            hint=_("Stabil nøgle, fx region-midt-epj"),
        ),
        Column(_("Navn"), "name", text(max_length=200), required=True),
        Column(
            _("Type"),
            "kind",
            imports.choice(Entry.Kind.choices),
            required=True,
            choices=_labels(Entry.Kind.choices),
        ),
        Column(_("NSP-service"), "is_nsp_service", imports.boolean(), choices=[_("Ja"), _("Nej")]),
        Column(
            _("Kategori"),
            "category",
            imports.choice(Entry.Category.choices, default=Entry.Category.OTHER),
            choices=_labels(Entry.Category.choices),
        ),
        Column(
            _("Systemejer"),
            "owner",
            imports.lookup(_parties, what=_("Parten"), required=True),
            required=True,
            hint=_("Partens navn eller nøgle"),
        ),
        Column(
            _("Leverandør"),
            "supplier",
            imports.lookup(_suppliers, what=_("It-leverandøren")),
            hint=_("En part af typen it-leverandør"),
        ),
        Column(
            _("Kritikalitet"),
            "criticality",
            imports.choice(Entry.Criticality.choices, default=Entry.Criticality.UNKNOWN),
            choices=_labels(Entry.Criticality.choices),
        ),
        Column(
            _("SHAK-anvendelse"),
            "state",
            imports.choice(ShakState.choices, default=ShakState.NOT_MAPPED),
            choices=_labels(ShakState.choices),
        ),
        Column(
            _("Dato for tilstand"),
            "state_date",
            imports.plan_date(),
            hint=_("Skal udfyldes for Kun SOR og Udfaset"),
        ),
        Column(_("Bekræftet af"), "state_confirmed_by", text(max_length=200)),
        Column(_("Beskrivelse"), "description", text()),
        Column(_("Løsningsbeskrivelse"), "solution_description", text()),
        Column(_("Ressourcer, interne"), "resources_internal", text()),
        Column(_("Ressourcer, eksterne"), "resources_external", text()),
        Column(
            _("Budget"),
            "budget",
            imports.choice(Entry.Budget.choices, default=Entry.Budget.UNDECIDED),
            choices=_labels(Entry.Budget.choices),
        ),
        Column(_("Beløb (kr.)"), "budget_amount", imports.decimal(minimum=Decimal(0))),
        Column(
            _("Behov: SOR-kilder"),
            "support_sor_sources",
            imports.boolean(),
            choices=[_("Ja"), _("Nej")],
        ),
        Column(
            _("Behov: beskrivelse af SOR-indhold"),
            "support_content",
            imports.boolean(),
            choices=[_("Ja"), _("Nej")],
        ),
        Column(
            _("Behov: anvendelsessituationer"),
            "support_use_cases",
            imports.boolean(),
            choices=[_("Ja"), _("Nej")],
        ),
        Column(
            _("Behov: SOR-kompetencer"),
            "support_expertise",
            imports.boolean(),
            choices=[_("Ja"), _("Nej")],
        ),
        Column(_("Støttebehov, uddybning"), "support_note", text()),
        Column(_("Release"), "release_name", text(max_length=100)),
        Column(_("Planlagt release"), "release_date", imports.plan_date(), hint=_("Fx K2 2027")),
    ]
    for kind, step_label in STEP_COLUMNS.items():
        for which, which_label in STEP_DATES.items():
            columns.append(
                Column(
                    f"{step_label}, {which_label}",
                    step_column_name(kind, which),
                    imports.plan_date(),
                )
            )
    columns += [
        Column(
            _("Aktiviteter"),
            "activities",
            imports.many(imports.lookup(_by_key(Activity), what=_("Aktiviteten"))),
            hint=_("Aktiviteternes nøgler, adskilt af komma"),
        ),
        Column(
            _("Milepæle"),
            "milestones",
            imports.many(imports.lookup(_by_key(Milestone), what=_("Milepælen"))),
            hint=_("Milepælenes nøgler, adskilt af komma"),
        ),
    ]
    return columns


ENTRY_COLUMNS = (*services.ENTRY_FIELDS,)


class RegisterImport(ImportSpec):
    """Upsert register entries by key, with their state, plan and steps."""

    key = "key"

    def __init__(self, *, user):
        self.user = user
        self.columns = build_columns()

    # -- what a row holds, as the services take it ------------------------------
    @staticmethod
    def _entry_data(values) -> dict:
        data = {}
        for name in ENTRY_COLUMNS:
            if name == "release_precision":
                continue
            if name in values:
                if name == "release_date":
                    data["release_date"], data["release_precision"] = values[name]
                    if data["release_date"] is None:
                        data["release_precision"] = DatePrecision.QUARTER
                else:
                    data[name] = values[name]
        return data

    @staticmethod
    def _state(values, entry: Entry | None) -> dict | None:
        names = ("state", "state_date", "state_confirmed_by")
        if not any(n in values for n in names):
            return None
        state = {
            "state": entry.state if entry else ShakState.NOT_MAPPED,
            "state_date": entry.state_date if entry else None,
            "state_date_precision": entry.state_date_precision if entry else DatePrecision.DAY,
            "state_confirmed_by": entry.state_confirmed_by if entry else "",
        }
        if "state" in values:
            state["state"] = values["state"]
        if "state_date" in values:
            state["state_date"], state["state_date_precision"] = values["state_date"]
        if "state_confirmed_by" in values:
            state["state_confirmed_by"] = values["state_confirmed_by"]
        return state

    @staticmethod
    def _steps(values, existing: dict[str, Step]) -> dict:
        """The steps a row sets ({kind: dates}), over the entry's `existing` steps."""
        steps = {}
        for kind in Step.Kind.values:
            present = [w for w in STEP_DATES if step_column_name(kind, w) in values]
            if not present:
                continue
            step = existing.get(kind)
            data = {}
            for which in STEP_DATES:
                if which in present:
                    date, precision = values[step_column_name(kind, which)]
                else:
                    date = getattr(step, f"{which}_date") if step else None
                    precision = getattr(step, f"{which}_precision") if step else DatePrecision.DAY
                data[f"{which}_date"] = date
                data[f"{which}_precision"] = precision if date else DatePrecision.DAY
            steps[kind] = data
        return steps

    # -- the engine's callbacks ---------------------------------------------------
    def prepare(self, rows: list[Row]) -> None:
        """The entries the file names, their steps and links: three plain queries (a
        prefetch builds a related manager per entry and relation, which for 5,000
        entries cost more than reading them)."""
        keys = [r.values.get("key") for r in rows if r.values.get("key")]
        self.existing = {
            e.key: e
            for e in Entry.objects.filter(key__in=keys).select_related("supplier").order_by()
        }
        ids = [e.pk for e in self.existing.values()]
        self.existing_steps: dict[int, dict[str, Step]] = defaultdict(dict)
        for step in Step.objects.filter(entry_id__in=ids).order_by():
            self.existing_steps[step.entry_id][step.kind] = step
        self.existing_links: dict[str, dict[int, set[int]]] = {}
        for name in ("activities", "milestones"):
            through, target = _through(name)
            links = defaultdict(set)
            for entry_id, pk in through.objects.filter(entry_id__in=ids).values_list(
                "entry_id", target.attname
            ):
                links[entry_id].add(pk)
            self.existing_links[name] = links
        self._changed: dict[int, list[str] | None] = {}

    def _steps_of(self, entry: Entry | None) -> dict[str, Step]:
        return self.existing_steps.get(entry.pk, {}) if entry else {}

    def _links_differ(self, entry: Entry, values, name: str) -> bool:
        have = self.existing_links[name].get(entry.pk, set())
        return have != {o.pk for o in values[name]}

    def check(self, row: Row):
        """The model's rules for a new row; for an existing entry, the rules across its
        fields and those of the fields the row changes (the others hold what was saved,
        which passed them then). A row that changes nothing is the saved entry."""
        values = row.values
        entry = self.existing.get(values["key"])
        changed = self.changes(row)
        if entry is not None and not changed:
            return
        candidate = copy.copy(entry) if entry else Entry(key=values["key"])
        for name, value in self._entry_data(values).items():
            setattr(candidate, name, value)
        state = self._state(values, entry)
        for name, value in (state or {}).items():
            setattr(candidate, name, value)
        try:
            # The parsers found the parties; the rules are the model's clean() (the
            # database's constraints are checked when the rows are written).
            candidate.full_clean(
                exclude=_unchanged_fields(changed),
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = name if name in values or name == "__all__" else None
                if name == "state_date_precision":
                    column = "state_date"
                for message in messages:
                    yield (None if column == "__all__" else column), message
        for kind, data in self._steps(values, self._steps_of(entry)).items():
            if entry is not None and not any(
                step_column_name(kind, w) in changed for w in STEP_DATES
            ):
                continue
            try:
                Step(kind=kind, **data).clean()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    which = name.removesuffix("_date")
                    for message in messages:
                        yield step_column_name(kind, which), message

    def changes(self, row: Row) -> list[str] | None:
        """Remembered per row: `check` asks first, the engine's preview again."""
        if row.number not in self._changed:
            self._changed[row.number] = self._changes(row)
        return self._changed[row.number]

    def _changes(self, row: Row) -> list[str] | None:
        values = row.values
        entry = self.existing.get(values["key"])
        if entry is None:
            return None
        changed = []
        for name, value in self._entry_data(values).items():
            field = Entry._meta.get_field(name)
            current = getattr(entry, field.attname)
            wanted = value.pk if field.is_relation and value is not None else value
            if current != wanted:
                changed.append("release_date" if name == "release_precision" else name)
        for name, value in (self._state(values, entry) or {}).items():
            if getattr(entry, name) != value:
                changed.append("state_date" if name == "state_date_precision" else name)
        existing_steps = self._steps_of(entry)
        for kind, data in self._steps(values, existing_steps).items():
            step = existing_steps.get(kind)
            for name, value in data.items():
                current = (
                    getattr(step, name)
                    if step
                    else (None if name.endswith("_date") else DatePrecision.DAY)
                )
                if current != value:
                    changed.append(step_column_name(kind, name.rsplit("_", 1)[0]))
        for name in ("activities", "milestones"):
            if name in values and self._links_differ(entry, values, name):
                changed.append(name)
        return list(dict.fromkeys(changed))

    def write_new(self, rows: list[Row], *, reason: str) -> list[Row]:
        """New entries in bulk: one history row each (with its activities and
        milestones, as a single save records them) and their steps with theirs."""
        entries = []
        for row in rows:
            entry = Entry(key=row.values["key"], **self._entry_data(row.values))
            for name, value in (self._state(row.values, None) or {}).items():
                setattr(entry, name, value)
            entries.append(entry)
        Entry.objects.bulk_create(entries, batch_size=1000)
        written = history_from_live(
            Entry, [e.pk for e in entries], user=self.user, reason=reason, history_type="+"
        )
        linked = False
        for name in ("activities", "milestones"):
            through, target = _through(name)
            links = [
                through(entry_id=entry.pk, **{target.attname: obj.pk})
                for entry, row in zip(entries, rows, strict=True)
                for obj in row.values.get(name) or ()
            ]
            if links:
                through.objects.bulk_create(links, batch_size=1000)
                linked = True
        if linked:
            _link_snapshots(written)
        steps = [
            Step(entry=entry, kind=kind, **data)
            for entry, row in zip(entries, rows, strict=True)
            for kind, data in self._steps(row.values, {}).items()
            if any(data.get(f"{w}_date") for w in STEP_DATES)
        ]
        if steps:
            Step.objects.bulk_create(steps, batch_size=1000)
            history_from_live(
                Step, [s.pk for s in steps], user=self.user, reason=reason, history_type="+"
            )
        entries_rate([e.pk for e in entries])  # written around history's signals
        return []

    def _links_change(self, row: Row) -> bool:
        entry = self.existing[row.values["key"]]
        return any(
            name in row.values and self._links_differ(entry, row.values, name)
            for name in ("activities", "milestones")
        )

    def write_changed(self, rows: list[Row], *, reason: str) -> list[Row]:
        """Changed entries whose links stay as they are, in bulk, as `entry_upsert`
        would write them one by one (the rules were checked by `check`; an import's
        reason also covers a move backwards): the entries locked and read again (one
        whose version moved since the preview goes through `write`), one history row
        each (with its links, as a single save records them) and their steps likewise.
        Returns the rows left for `write`."""
        candidates = [r for r in rows if not self._links_change(r)]
        if not candidates:
            return rows
        seen = {
            self.existing[r.values["key"]].pk: self.existing[r.values["key"]] for r in candidates
        }
        fresh = {
            e.pk: e for e in Entry.objects.select_for_update().filter(pk__in=list(seen)).order_by()
        }
        fresh_steps: dict[int, dict[str, Step]] = defaultdict(dict)
        for step in Step.objects.filter(entry_id__in=list(seen)).order_by():
            fresh_steps[step.entry_id][step.kind] = step
        now = timezone.now()
        entries, entry_fields, steps_changed, step_fields, steps_new = [], set(), [], set(), []
        done = set()
        for row in candidates:
            before = self.existing[row.values["key"]]
            entry = fresh.get(before.pk)
            if entry is None or entry.version != before.version:
                continue  # someone saved since the preview: the one-by-one path checks it
            changed = apply_changes(entry, self._entry_data(row.values))
            changed += apply_changes(entry, self._state(row.values, entry) or {})
            if changed:
                entry.version += 1
                entry.updated_at = now
                entries.append(entry)
                entry_fields.update(changed)
            current = fresh_steps[entry.pk]
            for kind, data in self._steps(row.values, current).items():
                step = current.get(kind)
                if step is None:
                    if any(data.get(f"{w}_date") for w in STEP_DATES):
                        steps_new.append(Step(entry=entry, kind=kind, **data))
                    continue
                names = apply_changes(step, data)
                if names:
                    step.version += 1
                    step.updated_at = now
                    steps_changed.append(step)
                    step_fields.update(names)
            done.add(id(row))
        if entries:
            written = bulk_update_with_history(
                entries,
                Entry,
                [*sorted(entry_fields), "version", "updated_at"],
                user=self.user,
                reason=reason,
            )
            _link_snapshots(written)
        if steps_changed:
            bulk_update_with_history(
                steps_changed,
                Step,
                [*sorted(step_fields), "version", "updated_at"],
                user=self.user,
                reason=reason,
            )
        if steps_new:
            Step.objects.bulk_create(steps_new, batch_size=1000)
            history_from_live(
                Step, [s.pk for s in steps_new], user=self.user, reason=reason, history_type="+"
            )
        rated = {e.pk for e in entries} | {s.entry_id for s in (*steps_changed, *steps_new)}
        if rated:
            entries_rate(sorted(rated))  # written around history's signals
        return [r for r in rows if id(r) not in done]

    def write(self, row: Row, *, reason: str) -> None:
        values = row.values
        entry = self.existing.get(values["key"])
        services.entry_upsert(
            key=values["key"],
            user=self.user,
            data=self._entry_data(values),
            state=self._state(values, entry),
            steps=self._steps(values, self._steps_of(entry)),
            activities=values.get("activities"),
            milestones=values.get("milestones"),
            reason=reason,
        )


def _through(name: str):
    """The through model of an entry's `activities` or `milestones` and its target field."""
    through = getattr(Entry, name).through
    return through, through._meta.get_field("activity" if name == "activities" else "milestone")


# The fields a row's column name stands for (a date column also sets its precision).
_COLUMN_FIELDS = {
    "state_date": ("state_date", "state_date_precision"),
    "release_date": ("release_date", "release_precision"),
}


def _unchanged_fields(changed: list[str] | None) -> list[str]:
    """What `full_clean` leaves out: the parties (the parsers found them) and, for an
    existing entry, the fields the row does not change."""
    if changed is None:
        return ["owner", "supplier"]
    fields = {f for name in changed for f in _COLUMN_FIELDS.get(name, (name,))}
    return [
        f.name
        for f in Entry._meta.concrete_fields
        if f.name in ("owner", "supplier") or f.name not in fields
    ]


def _link_snapshots(history_rows: list[tuple[int, int]]) -> None:
    """The activities and milestones an entry's history rows ((history id, entry id)
    pairs) record (what a single save writes through django-simple-history), for rows
    written in bulk."""
    by_entry = defaultdict(list)
    for history_id, entry_id in history_rows:
        by_entry[entry_id].append(history_id)
    for field in ("activities", "milestones"):
        through = getattr(Entry, field).through
        snapshot = apps.get_model("register", f"HistoricalEntry_{field}")
        names = [f.attname for f in through._meta.fields]
        links = through.objects.filter(entry_id__in=list(by_entry)).values(*names)
        snapshot.objects.bulk_create(
            [
                snapshot(history_id=history_id, **link)
                for link in links
                for history_id in by_entry[link["entry_id"]]
            ],
            batch_size=1000,
        )


def register_import(*, data: bytes, filename: str, user, dry_run: bool = False):
    """Import a register file (all or nothing); raises `core.imports.ImportRefused`."""
    return imports.run(RegisterImport(user=user), data, filename=filename, dry_run=dry_run)


def template_xlsx() -> bytes:
    """The empty template: the headers, a drop-down for each choice column, and notes."""
    columns = build_columns()
    return xlsx_bytes(
        Sheet(
            headers=[c.header for c in columns],
            rows=[],
            title=_("SHAK-afhængighedsregisteret – skabelon til import"),
            notes=[
                _(
                    "Én række pr. system, register, service, indberetning eller integration. "
                    "Nøgle, Navn, Type og Systemejer skal udfyldes."
                ),
                _(
                    "Datoer: en dag (14-03-2026), en måned (03-2026 eller marts 2026), "
                    "et kvartal (K1 2026) eller et år (2026)."
                ),
                _(
                    "Kun SOR og Udfaset kræver Dato for tilstand og Bekræftet af. "
                    "Kolonner, der udelades, ændres ikke ved import."
                ),
            ],
            name=_("Register"),
            choices={i: c.choices for i, c in enumerate(columns) if c.choices},
            widths={i: 24 for i in range(len(columns))},
        )
    )
