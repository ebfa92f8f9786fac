"""The monthly status report's section "MedCom: meddelelsestyper og certificering",
as plain JSON-ready data frozen with the report (`reports.report_data.build`):
the matrix summary now and at the previous report's moment with the change, and
the message types whose cut-over is within three months with the suppliers not
yet certified for them. Dates are pre-formatted in Danish."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from medcom import selectors as medcom_selectors
from medcom.models import CertState
from milestones.dates import format_plan_date


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"\u2212{-n}" if n < 0 else "\u00b10"


def progress_chart_texts() -> dict:
    """The house chart's words for MedCom's progress (page and report alike)."""
    return {
        "labels": {
            "actual": _("Certificeret eller i produktion"),
            "forecast": _("I produktion med SOR-adressering"),
        },
        "title": _("MedCom-certificering ved hver månedsafslutning"),
        "desc": _(
            "Antal rækker i MedComs certificeringsmatrix (system × meddelelsestype × "
            "retning), der er certificeret eller i produktion, og antal i produktion med "
            "SOR-adressering, pr. månedsafslutning. Tabellen viser de samme tal."
        ),
        "empty_text": _("Ingen rækker i matrixen endnu."),
    }


def medcom_section(*, at: datetime.datetime | None, since: datetime.datetime) -> dict:
    """The section's figures as they stood at `at` (None: now), compared with `since`."""
    now, before = medcom_selectors.states_counted(at, since)
    today = timezone.localdate(at) if at else timezone.localdate()
    gate = medcom_selectors.gate(at=at)
    return {
        "total": sum(now.values()),
        "total_change": _signed(sum(now.values()) - sum(before.values())),
        "types": gate.types,
        "by_state": [
            {
                "state": value,
                "label": str(label),
                "count": now[value],
                "before": before[value],
                "change": _signed(now[value] - before[value]),
            }
            for value, label in CertState.choices
        ],
        "cutovers": [
            {
                "code": t.code,
                "name": t.name,
                "cutover": format_plan_date(t.cutover_date, t.cutover_precision),
                "suppliers": suppliers,
            }
            for t, suppliers in medcom_selectors.cutovers_within(today=today)
        ],
        "gate_holds": gate.tracked and gate.not_ready == 0,
    }
