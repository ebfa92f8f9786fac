"""The matrix as a spreadsheet: its columns, the import through `core.imports`, the
template and the export written with `core.spreadsheets`.

One row per supplier system × message type × direction, keyed by those three
columns. The import applies the same rules as the pages (`services.move_refusal`):
a supplier's reporter imports only its own rows and only the moves it may make;
MedCom and the SOR-team every row. All or nothing, with a dry run first.
"""

import copy

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import imports
from core.imports import Column, ImportSpec, Row
from core.spreadsheets import Sheet, xlsx_bytes
from milestones.models import DatePrecision
from register.models import Entry

from . import services
from .models import STATE_DATE_FIELD, Certification, CertState, Direction, MessageType
from .selectors import filtered_rows


def _labels(choices) -> list[str]:
    return [str(label) for _value, label in choices]


def _entries():
    found = {}
    for entry in Entry.objects.filter(supplier__isnull=False).only(
        "pk", "key", "name", "supplier_id"
    ):
        found.setdefault(entry.name, entry)
        found[entry.key] = entry
    return found


def _message_types():
    found = {}
    for message_type in MessageType.objects.all():
        found[message_type.key] = message_type
        found[message_type.code] = message_type
    return found


def build_columns() -> list[Column]:
    """Danish headers and labels whatever the page's language (one file for everyone)."""
    with translation.override("da"):
        text = imports.text
        return [
            Column(
                _("System"),
                "entry",
                imports.lookup(_entries, what=_("Systemet"), required=True),
                required=True,
                hint=_("Postens nøgle eller navn i SHAK-registeret"),
            ),
            Column(
                _("Meddelelsestype"),
                "message_type",
                imports.lookup(_message_types, what=_("Meddelelsestypen"), required=True),
                required=True,
                hint=_("MedComs kode, fx XDIS16"),
            ),
            Column(
                _("Retning"),
                "direction",
                imports.choice(Direction.choices),
                required=True,
                choices=_labels(Direction.choices),
            ),
            Column(
                _("Tilstand"),
                "state",
                imports.choice(CertState.choices, default=CertState.NOT_STARTED),
                choices=_labels(CertState.choices),
            ),
            Column(
                _("Dato for tilstand"),
                "on",
                imports.date(),
                hint=_("Dagen, tilstanden blev nået (tom: i dag)"),
            ),
            Column(
                _("Planlagt i produktion"), "planned", imports.plan_date(), hint=_("Fx K2 2027")
            ),
            Column(_("Test-/certifikatreference"), "reference", text(max_length=100)),
            Column(_("Begrundelse for afvisning"), "rejection_reason", text()),
            Column(_("Note"), "note", text()),
        ]


class MedcomImport(ImportSpec):
    key = "entry"

    def __init__(self, *, user, access):
        self.user = user
        self.access = access
        self.columns = build_columns()

    def key_of(self, values):
        parts = (values.get("entry"), values.get("message_type"), values.get("direction"))
        if any(p is None for p in parts):
            return None
        return (parts[0].key, parts[1].code, parts[2])

    def key_label(self, key) -> str:
        return " / ".join(self.key_cells(key))

    def key_cells(self, key) -> tuple[str, ...]:
        return (key[0], key[1], str(Direction(key[2]).label))

    # -- a row as the services take it --------------------------------------
    @staticmethod
    def _data(values) -> dict:
        data = {}
        if "planned" in values:
            date, precision = values["planned"]
            data["planned_production_date"] = date
            data["planned_production_precision"] = precision if date else DatePrecision.MONTH
        for name in ("reference", "rejection_reason", "note"):
            if name in values:
                data[name] = values[name].strip()
        return data

    def _current(self, row: Row):
        return self.existing.get(self.key_of(row.values))

    def prepare(self, rows: list[Row]) -> None:
        self.existing = {
            (c.entry.key, c.message_type.code, c.direction): c
            for c in Certification.objects.select_related("entry", "message_type")
        }

    def _wanted_state(self, values, current):
        if "state" in values:
            return values["state"]
        return current.state if current else CertState.NOT_STARTED

    def check(self, row: Row):
        values = row.values
        current = self._current(row)
        entry = values["entry"]
        state = self._wanted_state(values, current)
        data = self._data(values)
        changed = services.changed_fields(current, data)
        refusal = services.move_refusal(
            self.access,
            supplier_id=entry.supplier_id,
            current=current.state if current else None,
            target=state,
        ) or services.field_refusal(self.access, changed)
        if refusal:
            yield (None, refusal)
            return
        candidate = (
            copy.copy(current)
            if current
            else Certification(
                entry=entry, message_type=values["message_type"], direction=values["direction"]
            )
        )
        for name, value in data.items():
            setattr(candidate, name, value)
        if candidate.state != state:
            candidate.state = state
            date_field = STATE_DATE_FIELD.get(state)
            if date_field and (values.get("on") or getattr(candidate, date_field) is None):
                setattr(candidate, date_field, values.get("on") or timezone.localdate())
        try:
            candidate.full_clean(
                exclude=["entry", "message_type"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = {
                    "planned_production_date": "planned",
                    "rejection_reason": "rejection_reason",
                    "certified_on": "on",
                }.get(name)
                if column is None and name in STATE_DATE_FIELD.values():
                    column = "on"
                for message in messages:
                    yield column, message

    def changes(self, row: Row):
        current = self._current(row)
        if current is None:
            return None
        changed = []
        if current.state != self._wanted_state(row.values, current):
            changed.append("state")
        for name, value in self._data(row.values).items():
            if getattr(current, name) != value:
                changed.append(
                    {
                        "planned_production_date": "planned",
                        "planned_production_precision": "planned",
                    }.get(name, name)
                )
        return list(dict.fromkeys(changed))

    def write(self, row: Row, *, reason: str) -> None:
        values = row.values
        current = self._current(row)
        state = self._wanted_state(values, current)
        if current is None:
            services.certification_create(
                access=self.access,
                user=self.user,
                entry=values["entry"],
                message_type=values["message_type"],
                direction=values["direction"],
                data=self._data(values),
                state=state,
                on=values.get("on"),
                reason=reason,
            )
        else:
            services.certification_set(
                access=self.access,
                certification_id=current.pk,
                version=current.version,
                user=self.user,
                state=state,
                on=values.get("on"),
                data=self._data(values),
                reason=reason,
            )


def medcom_import(*, data: bytes, filename: str, user, access, dry_run: bool = False):
    """Import the matrix (all or nothing); raises `core.imports.ImportRefused`."""
    return imports.run(
        MedcomImport(user=user, access=access), data, filename=filename, dry_run=dry_run
    )


def _notes() -> list[str]:
    return [
        _(
            "Én række pr. system, meddelelsestype og retning. System, Meddelelsestype og "
            "Retning skal udfyldes; de tre sammen er rækkens nøgle."
        ),
        _(
            "Kun MedCom og SOR-teamet kan sætte I test, Certificeret og Afvist i test; "
            "Afvist i test kræver en begrundelse. Kolonner, der udelades, ændres ikke."
        ),
    ]


def template_xlsx() -> bytes:
    columns = build_columns()
    return xlsx_bytes(
        Sheet(
            headers=[c.header for c in columns],
            rows=[],
            title=_("MedComs certificeringsmatrix – skabelon til import"),
            notes=_notes(),
            name=_("Matrix"),
            choices={i: c.choices for i, c in enumerate(columns) if c.choices},
            widths={i: 24 for i in range(len(columns))},
        )
    )


def export_xlsx(access, filters) -> bytes:
    """The rows the person reads (with the matrix's filters), in the import's columns,
    so the file comes back in unchanged."""
    columns = build_columns()
    rows = []
    with translation.override("da"):
        for c in (
            filtered_rows(access, filters)
            .select_related("entry", "message_type")
            .order_by("entry__name", "message_type__code", "direction")
        ):
            date_field = STATE_DATE_FIELD.get(c.state)
            rows.append(
                [
                    c.entry.key,
                    c.message_type.code,
                    str(Direction(c.direction).label),
                    str(CertState(c.state).label),
                    getattr(c, date_field) if date_field else None,
                    imports.format_plan_date(
                        c.planned_production_date, c.planned_production_precision
                    )
                    if c.planned_production_date
                    else "",
                    c.reference,
                    c.rejection_reason,
                    c.note,
                ]
            )
        title = _("MedComs certificeringsmatrix")
        notes = _notes()
        name = _("Matrix")
    return xlsx_bytes(
        Sheet(
            headers=[c.header for c in columns],
            rows=rows,
            title=title,
            notes=notes,
            name=name,
            choices={i: c.choices for i, c in enumerate(columns) if c.choices},
            widths={i: 24 for i in range(len(columns))},
            autofilter=True,
        )
    )
