"""The steering group's lists as files (`milestones.exports.list_export`): the columns of
the risk register, the issue log, the decision log and the actions, each declared once."""

from django.utils.translation import gettext_lazy as _

from milestones.exports import ExportColumn


def _owner(record) -> str:
    person = record.owner_person
    name = (person.get_full_name() or person.username) if person is not None else ""
    return ", ".join(p for p in (record.owner_party.label, name) if p)


RISK_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda r: r.key),
    ExportColumn(_("Risiko"), lambda r: r.title, width=50),
    ExportColumn(_("Sandsynlighed"), lambda r: r.probability),
    ExportColumn(_("Konsekvens"), lambda r: r.impact),
    ExportColumn(_("Score"), lambda r: r.score),
    ExportColumn(_("Bånd"), lambda r: r.band.label),
    ExportColumn(_("Status"), lambda r: r.get_status_display()),
    ExportColumn(_("Håndtering"), lambda r: r.get_response_display()),
    ExportColumn(_("Ansvarlig"), _owner, width=30),
    ExportColumn(_("Nærhed"), lambda r: r.proximity),
    ExportColumn(_("Næste gennemgang"), lambda r: r.review_on),
    ExportColumn(_("Afbødende handlinger"), lambda r: r.mitigation, width=50),
]

ISSUE_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda i: i.key),
    ExportColumn(_("Problem"), lambda i: i.title, width=50),
    ExportColumn(_("Alvor"), lambda i: i.get_severity_display()),
    ExportColumn(_("Status"), lambda i: i.get_status_display()),
    ExportColumn(_("Hvad det blokerer"), lambda i: i.blocks, width=50),
    ExportColumn(_("Løses senest"), lambda i: i.due_on),
    ExportColumn(_("Ansvarlig"), _owner, width=30),
]

DECISION_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda d: d.key),
    ExportColumn(_("Beslutning"), lambda d: d.title, width=50),
    ExportColumn(_("Status"), lambda d: d.get_status_display()),
    ExportColumn(_("Hvad der skal besluttes"), lambda d: d.question, width=50),
    ExportColumn(_("Skal besluttes senest"), lambda d: d.needed_by),
    ExportColumn(_("Besluttet den"), lambda d: d.decided_on),
    ExportColumn(_("Beslutning i ord"), lambda d: d.outcome, width=50),
    ExportColumn(_("Betingelser"), lambda d: d.conditions, width=30),
    ExportColumn(_("Møde"), lambda d: d.meeting.title if d.meeting_id else ""),
    ExportColumn(_("Ansvarlig part"), lambda d: d.owner_party.label),
]

ACTION_COLUMNS = [
    ExportColumn(_("Nøgle"), lambda a: a.key),
    ExportColumn(_("Handling"), lambda a: a.title, width=50),
    ExportColumn(_("Ansvarlig"), _owner, width=30),
    ExportColumn(_("Frist"), lambda a: a.due_on),
    ExportColumn(_("Status"), lambda a: a.get_status_display()),
    ExportColumn(_("Oprindelse"), lambda a: a.get_origin_display()),
    ExportColumn(_("Status i ord"), lambda a: a.progress_note, width=50),
]
