"""The lists as files (`core.exports`): the one call every list view makes, with the
demo notice, and the columns of the plan's lists (each declared once here).

`list_export(request, …)` is what a list view returns when `requested_format(request)`
asks for a file; the register's and the governance lists call it with their own
columns (they live in their apps)."""

from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exports import ExportColumn, export_response, form_filters, requested_format

from .demo import DEMO_NOTICE, demo_data_loaded

__all__ = ["ExportColumn", "list_export", "requested_format"]


def list_export(
    request,
    *,
    name: str,
    title: str,
    columns: Sequence[ExportColumn],
    rows: Iterable,
    form=None,
    filters: Sequence[str] = (),
):
    """The list's file: its rows, the filters of `form` (and any `filters` lines), the
    moment, and the demo notice while demo data is loaded."""
    return export_response(
        request,
        name=name,
        title=str(title),
        columns=columns,
        rows=rows,
        filters=[*form_filters(form), *filters],
        demo_notice=str(DEMO_NOTICE) if demo_data_loaded() else "",
    )


def demo_fields(row) -> str:
    """The fields of an activity or milestone that hold demo values, named ("" for none)."""
    names = []
    for name in getattr(row, "demo_fields", None) or ():
        try:
            names.append(str(row._meta.get_field(name).verbose_name))
        except Exception:  # noqa: BLE001 - an old mark of a field since renamed
            names.append(name)
    return ", ".join(names)


def _party(party) -> str:
    return party.label if party is not None else ""


MILESTONE_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda m: m.key),
    ExportColumn(_("Milepæl"), lambda m: m.title, width=50),
    ExportColumn(_("Aktivitet"), lambda m: m.activity.title, width=40),
    ExportColumn(_("Ansvarlig part"), lambda m: _party(m.activity.responsible_party), width=30),
    ExportColumn(_("Spor"), lambda m: m.activity.get_track_display()),
    ExportColumn(_("Baseline"), lambda m: m.rag.baseline_date),
    ExportColumn(_("Forventet"), lambda m: m.forecast_date),
    ExportColumn(_("Præcision, forventet"), lambda m: m.get_forecast_precision_display()),
    ExportColumn(_("Faktisk"), lambda m: m.actual_date),
    ExportColumn(_("Nået, dato ukendt"), lambda m: m.actual_date_unknown),
    ExportColumn(_("Status"), lambda m: m.get_status_display()),
    ExportColumn(_("RAG"), lambda m: m.rag.label),
    ExportColumn(_("Begrundelse for RAG"), lambda m: m.rag.reason, width=50),
    ExportColumn(_("Forsinkelse (dage)"), lambda m: m.rag.slip_days),
    ExportColumn(_("Kildens ordlyd"), lambda m: m.source_text, width=30),
    ExportColumn(_("Demodata i felterne"), demo_fields),
]

ACTIVITY_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda a: a.key),
    ExportColumn(_("Aktivitet"), lambda a: a.title, width=50),
    ExportColumn(_("Spor"), lambda a: a.get_track_display()),
    ExportColumn(_("Ansvarlig part"), lambda a: _party(a.responsible_party), width=30),
    ExportColumn(_("Mål"), lambda a: a.goal.title if a.goal_id else "", width=30),
    ExportColumn(_("Planlagt start"), lambda a: a.planned_start),
    ExportColumn(_("Præcision, start"), lambda a: a.get_planned_start_precision_display()),
    ExportColumn(_("Planlagt slut"), lambda a: a.planned_end),
    ExportColumn(_("Præcision, slut"), lambda a: a.get_planned_end_precision_display()),
    ExportColumn(_("Status"), lambda a: a.get_status_display()),
    ExportColumn(_("RAG"), lambda a: a.rag_rollup.label),
    ExportColumn(_("Begrundelse for RAG"), lambda a: a.rag_rollup.reason, width=50),
    ExportColumn(_("Milepæle"), lambda a: a.rag_rollup.total),
    ExportColumn(_("Demodata i felterne"), demo_fields),
]

# One row per changed field (who, when, what, old → new, reason): the change feed's
# file, and the SOR-team's audit trail.
CHANGE_COLUMNS = [
    ExportColumn(_("Tidspunkt"), lambda r: timezone.localtime(r[0].when)),
    ExportColumn(_("Bruger"), lambda r: r[0].user_label, width=25),
    ExportColumn(_("Type"), lambda r: r[0].kind_label),
    ExportColumn(_("Post"), lambda r: r[0].label, width=40),
    ExportColumn(_("Handling"), lambda r: r[0].action_label),
    ExportColumn(_("Felt"), lambda r: r[1].label if r[1] else ""),
    ExportColumn(_("Før"), lambda r: r[1].old if r[1] else "", width=30),
    ExportColumn(_("Efter"), lambda r: r[1].new if r[1] else "", width=30),
    ExportColumn(_("Begrundelse"), lambda r: r[0].reason, width=40),
    ExportColumn(_("Version"), lambda r: r[0].version),
]

# The auditor's file: the same, with the record's key-independent ids (type and history
# row) so each line can be traced back to the database.
AUDIT_COLUMNS = [
    *CHANGE_COLUMNS,
    ExportColumn(_("Bruger-id"), lambda r: r[0].user_id),
    ExportColumn(_("Post-id"), lambda r: r[0].object_id),
    ExportColumn(_("Historik-id"), lambda r: r[0].history_id),
]


def change_rows(entries) -> Iterable[tuple]:
    """(entry, field change) pairs: one row per changed field, one for a change without
    field changes (created, deleted)."""
    for entry in entries:
        if not entry.changes:
            yield entry, None
        for change in entry.changes:
            yield entry, change


PARTY_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda p: p.key),
    ExportColumn(_("Part"), lambda p: p.name, width=40),
    ExportColumn(_("Kort navn"), lambda p: p.short_name),
    ExportColumn(_("Type"), lambda p: p.get_kind_display()),
    ExportColumn(_("Intern/ekstern"), lambda p: p.get_side_display()),
    ExportColumn(_("Officiel kode"), lambda p: p.official_code),
    ExportColumn(_("Koordinator"), lambda p: _party(p.coordinator), width=30),
    ExportColumn(_("Aktiviteter"), lambda p: p.activity_count),
]


def _update(cell, attribute: str, default=""):
    return getattr(cell.update, attribute) if cell.update is not None else default


ROUND_CELL_COLUMNS = [
    ExportColumn(_("Part"), lambda c: c.party.name, width=30),
    ExportColumn(_("Aktivitetens nøgle"), lambda c: c.activity.key),
    ExportColumn(_("Aktivitet"), lambda c: c.activity.title, width=50),
    ExportColumn(_("Tilstand"), lambda c: c.label),
    ExportColumn(
        _("Indsendt"),
        lambda c: (
            timezone.localtime(c.update.submitted_at)
            if c.update is not None and c.update.submitted_at
            else None
        ),
    ),
    ExportColumn(
        _("Egen vurdering"),
        lambda c: c.update.get_self_rag_display() if c.update and c.update.self_rag else "",
    ),
    ExportColumn(_("Status i ord"), lambda c: _update(c, "narrative"), width=50),
    ExportColumn(_("Demodata"), lambda c: _update(c, "is_demo", False)),
]
