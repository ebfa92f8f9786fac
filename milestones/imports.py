"""The plan's spreadsheet: activities and milestones imported through `core.imports`
(all or nothing, dry run, Danish per-row errors, upsert by key, history reason
"Importeret fra <filnavn>"), and the downloadable template.

One row per activity or milestone, told apart by the column «Type». A milestone names
its activity by key; the activity may be a row of the same file (new activities are
written first). A file may leave out columns: only the columns present are written.
"""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from core import imports
from core.imports import Column, ImportSpec, Row
from core.spreadsheets import Sheet, xlsx_bytes
from parties.models import Party

from .models import Activity, DatePrecision, Goal, Milestone
from .services import plan as services

ACTIVITY, MILESTONE = "activity", "milestone"
# Which columns belong to which type (the others must be empty on that row).
ACTIVITY_ONLY = ("track", "responsible_party", "goal", "planned_start", "planned_end")
MILESTONE_ONLY = ("activity", "forecast", "actual")
DATES = {
    "planned_start": ("planned_start", "planned_start_precision"),
    "planned_end": ("planned_end", "planned_end_precision"),
    "forecast": ("forecast_date", "forecast_precision"),
    "actual": ("actual_date", "actual_precision"),
}


def _parties() -> dict:
    found = {}
    for party in Party.objects.all():
        for name in (party.name, party.short_name, party.key):
            if name:
                found.setdefault(name, party)
    return found


def _labels(choices) -> list[str]:
    return [str(label) for _value, label in choices]


def build_columns() -> list[Column]:
    """The columns, with Danish headers and choice labels whatever the page's language."""
    with translation.override("da"):
        statuses = list(
            dict.fromkeys(_labels(Activity.Status.choices) + _labels(Milestone.Status.choices))
        )
        return [
            Column(
                _("Type"),
                "type",
                imports.choice([(ACTIVITY, _("Aktivitet")), (MILESTONE, _("Milepæl"))]),
                required=True,
                choices=[_("Aktivitet"), _("Milepæl")],
            ),
            Column(
                _("Nøgle"), "key", imports.slug_key(), required=True, hint=_("Fx sorls-i-drift")
            ),
            Column(_("Titel"), "title", imports.text(max_length=300), required=True),
            Column(
                _("Aktivitet"),
                "activity",
                imports.text(max_length=100),
                hint=_("Milepæle: aktivitetens nøgle"),
            ),
            Column(
                _("Spor"),
                "track",
                imports.choice(Activity.Track.choices, default=""),
                choices=_labels(Activity.Track.choices),
            ),
            Column(
                _("Ansvarlig part"),
                "responsible_party",
                imports.lookup(_parties, what=_("Parten")),
                hint=_("Partens navn eller nøgle"),
            ),
            Column(
                _("Mål"),
                "goal",
                imports.lookup(lambda: {g.key: g for g in Goal.objects.all()}, what=_("Målet")),
                hint=_("Målets nøgle"),
            ),
            Column(_("Planlagt start"), "planned_start", imports.plan_date()),
            Column(_("Planlagt slut"), "planned_end", imports.plan_date()),
            Column(_("Forventet"), "forecast", imports.plan_date(), hint=_("Fx K2 2027")),
            Column(_("Faktisk"), "actual", imports.plan_date()),
            Column(_("Status"), "status", imports.text(max_length=40), choices=statuses),
            Column(_("Beskrivelse"), "description", imports.text()),
        ]


class PlanImport(ImportSpec):
    """Upsert activities and milestones by key (through the plan's services)."""

    key = "key"

    def __init__(self, *, user):
        self.user = user
        self.columns = build_columns()

    # -- a row as the services take it --------------------------------------------
    @staticmethod
    def _model(values):
        return Activity if values["type"] == ACTIVITY else Milestone

    def _data(self, values) -> dict:
        model = self._model(values)
        data = {}
        for name in ("title", "description", "track", "responsible_party", "goal"):
            if name in values and (model is Activity or name in ("title", "description")):
                data[name] = values[name]
        for column, (field, precision) in DATES.items():
            if column in values and (column in ACTIVITY_ONLY) == (model is Activity):
                date, date_precision = values[column]
                data[field] = date
                data[precision] = date_precision if date else DatePrecision.DAY
        if values.get("status") and self._status(model, values["status"]):
            data["status"] = self._status(model, values["status"])
        if model is Milestone and values.get("activity"):
            data["activity"] = self.activities.get(values["activity"])
        return data

    @staticmethod
    def _status(model, text: str) -> str | None:
        for value, label in model.Status.choices:
            if text.casefold() in (str(value).casefold(), str(label).casefold()):
                return value
        return None

    # -- the engine's callbacks ---------------------------------------------------
    def prepare(self, rows: list[Row]) -> None:
        keys = {ACTIVITY: [], MILESTONE: []}
        for row in rows:
            keys[row.values["type"]].append(row.values["key"])
        self.existing = {
            ACTIVITY: {a.key: a for a in Activity.objects.filter(key__in=keys[ACTIVITY])},
            MILESTONE: {m.key: m for m in Milestone.objects.filter(key__in=keys[MILESTONE])},
        }
        wanted = {r.values["activity"] for r in rows if r.values.get("activity")}
        self.activities = {a.key: a for a in Activity.objects.filter(key__in=wanted)}
        self.new_activities = {
            r.values["key"]
            for r in rows
            if r.values["type"] == ACTIVITY and r.values["key"] not in self.existing[ACTIVITY]
        }

    def check(self, row: Row):
        values, kind = row.values, row.values["type"]
        model = self._model(values)
        current = self.existing[kind].get(values["key"])
        other_only = MILESTONE_ONLY if kind == ACTIVITY else ACTIVITY_ONLY
        for name in other_only:
            value = values.get(name)
            if value not in (None, "", (None, DatePrecision.DAY)):
                yield (
                    name,
                    (
                        _("gælder kun milepæle; lad feltet stå tomt for en aktivitet.")
                        if kind == ACTIVITY
                        else _("gælder kun aktiviteter; lad feltet stå tomt for en milepæl.")
                    ),
                )
        if values.get("status") and self._status(model, values["status"]) is None:
            yield (
                "status",
                _("«%(value)s» er ikke en af: %(options)s.")
                % {
                    "value": values["status"],
                    "options": ", ".join(_labels(model.Status.choices)),
                },
            )
        if kind == MILESTONE:
            key = values.get("activity")
            if not key and current is None:
                yield "activity", _("skal udfyldes for en ny milepæl.")
            elif key and key not in self.activities and key not in self.new_activities:
                yield "activity", _("Aktiviteten «%(value)s» findes ikke.") % {"value": key}
        elif current is None:
            for name in ("track", "responsible_party"):
                if not values.get(name):
                    yield name, _("skal udfyldes for en ny aktivitet.")
        data = {k: v for k, v in self._data(values).items() if k != "activity"}
        candidate = model(key=values["key"], **data)
        if current is not None:
            candidate = model.objects.get(pk=current.pk)
            for name, value in data.items():
                setattr(candidate, name, value)
        try:
            candidate.full_clean(
                exclude=["activity", "responsible_party", "goal", "programme"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            fields = {field: column for column, (field, _p) in DATES.items()}
            fields.update({p: column for column, (_f, p) in DATES.items()})
            for name, messages in error.message_dict.items():
                column = fields.get(name, name if name in values else None)
                for message in messages:
                    yield column, message

    def changes(self, row: Row) -> list[str] | None:
        current = self.existing[row.values["type"]].get(row.values["key"])
        if current is None:
            return None
        changed = []
        fields = {field: column for column, (field, _p) in DATES.items()}
        fields.update({p: column for column, (_f, p) in DATES.items()})
        for name, value in self._data(row.values).items():
            if name == "activity" and value is None:
                continue  # a new activity of this file: the milestone moves to it
            field = type(current)._meta.get_field(name)
            wanted = value.pk if field.is_relation and value is not None else value
            if getattr(current, field.attname) != wanted:
                changed.append(fields.get(name, name))
        return list(dict.fromkeys(changed))

    def write_new(self, rows: list[Row], *, reason: str) -> list[Row]:
        """New activities first, so the file's milestones can name them."""
        left = []
        for row in rows:
            if row.values["type"] == ACTIVITY:
                self.write(row, reason=reason)
            else:
                left.append(row)
        return left

    def write(self, row: Row, *, reason: str) -> None:
        values, kind = row.values, row.values["type"]
        if (
            kind == MILESTONE
            and values.get("activity")
            and values["activity"] not in self.activities
        ):
            self.activities[values["activity"]] = Activity.objects.get(key=values["activity"])
        data = self._data(values)
        current = self.existing[kind].get(values["key"])
        if kind == ACTIVITY:
            if current is None:
                activity = services.activity_create(
                    user=self.user, data={"key": values["key"], **data}, reason=reason
                )
                self.activities[activity.key] = activity
            else:
                services.activity_update(
                    activity_id=current.pk,
                    version=current.version,
                    user=self.user,
                    data=data,
                    reason=reason,
                )
        elif current is None:
            services.milestone_create(
                user=self.user, data={"key": values["key"], **data}, reason=reason
            )
        else:
            services.milestone_update(
                milestone_id=current.pk,
                version=current.version,
                user=self.user,
                data=data,
                reason=reason,
            )


def plan_import(*, data: bytes, filename: str, user, dry_run: bool = False):
    """Import a plan file (all or nothing); raises `core.imports.ImportRefused`."""
    return imports.run(PlanImport(user=user), data, filename=filename, dry_run=dry_run)


def template_xlsx() -> bytes:
    """The empty template: the headers, a drop-down for each choice column, and notes."""
    columns = build_columns()
    with translation.override("da"):
        return xlsx_bytes(
            Sheet(
                headers=[c.header for c in columns],
                rows=[],
                title=_("Planen – skabelon til import af aktiviteter og milepæle"),
                notes=[
                    _(
                        "Én række pr. aktivitet eller milepæl (kolonnen Type). Nøgle og Titel "
                        "skal udfyldes; en ny aktivitet kræver Spor og Ansvarlig part, en ny "
                        "milepæl sin Aktivitet (aktivitetens nøgle, også en i samme fil)."
                    ),
                    _(
                        "Datoer: en dag (14-03-2026), en måned (03-2026 eller marts 2026), "
                        "et kvartal (K1 2026) eller et år (2026)."
                    ),
                    _("Kolonner, der udelades, ændres ikke ved import."),
                ],
                name=_("Plan"),
                choices={i: c.choices for i, c in enumerate(columns) if c.choices},
                widths={i: 24 for i in range(len(columns))},
            )
        )
