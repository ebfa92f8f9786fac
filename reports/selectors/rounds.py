"""The current reporting round per party, and the concerns raised in the last two rounds."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from milestones.models import Activity, ProgressUpdate, ReportingRound, RoundObligation
from milestones.rag import Rag

from . import snapshot
from .snapshot import ActivityRow, PartyRef, PlanSnapshot

REPORTED_STATUSES = (ProgressUpdate.Status.SUBMITTED, ProgressUpdate.Status.ACCEPTED)


@dataclass
class RoundPartyRow:
    party: PartyRef
    obligations: int
    reported: int
    drafts: int
    returned: int
    is_overdue: bool

    @property
    def missing(self) -> int:
        return self.obligations - self.reported

    @property
    def state(self) -> str:
        if self.reported >= self.obligations:
            return "reported"
        if self.is_overdue:
            return "overdue"
        return "partial" if self.reported else "waiting"

    @property
    def state_label(self) -> str:
        return str(
            {
                "reported": _("Har rapporteret"),
                "overdue": _("Fristen er overskredet"),
                "partial": _("Delvist rapporteret"),
                "waiting": _("Afventer"),
            }[self.state]
        )


@dataclass
class RoundStatus:
    """The current reporting round: who has reported, who is overdue."""

    id: int
    period: datetime.date
    opens_on: datetime.date
    due_on: datetime.date
    is_past_due: bool
    parties: list[RoundPartyRow]

    @property
    def party_count(self) -> int:
        return len(self.parties)

    @property
    def reported_count(self) -> int:
        return sum(1 for p in self.parties if p.state == "reported")

    @property
    def overdue_count(self) -> int:
        return sum(1 for p in self.parties if p.state == "overdue")

    @property
    def reported_percent(self) -> int:
        return round(100 * self.reported_count / self.party_count) if self.parties else 0


@dataclass
class ConcernRow:
    """Help needed or a risk raised in a party's submitted or accepted update."""

    party: PartyRef
    activity: ActivityRow | None
    activity_title: str
    round_period: datetime.date
    status: str
    status_label: str
    self_rag: str
    self_rag_label: str
    help_needed: str
    risks: str
    submitted_at: datetime.datetime | None


def current_round(at, today) -> dict | None:
    found = snapshot.rows(
        ReportingRound, at, ("id", "period", "opens_on", "due_on"), opens_on__lte=today
    )
    return max(found, key=lambda r: r["period"]) if found else None


def reporting_round_status(
    *,
    at: datetime.datetime | None = None,
    today: datetime.date | None = None,
    parties: dict[int, PartyRef] | None = None,
    party_id: int | None = None,
) -> RoundStatus | None:
    """The round open at `today` (the latest that has opened), per party (four queries)."""
    today = today or snapshot.local_today(at)
    current = current_round(at, today)
    if current is None:
        return None
    parties = parties if parties is not None else snapshot.party_refs(at)
    filters = {"round_id": current["id"]}
    if party_id:
        filters["party_id"] = party_id
    obligations = snapshot.rows(RoundObligation, at, ("party_id", "activity_id"), **filters)
    updates = snapshot.rows(ProgressUpdate, at, ("party_id", "activity_id", "status"), **filters)
    status_of = {(u["party_id"], u["activity_id"]): u["status"] for u in updates}
    tally: dict[int, Counter] = defaultdict(Counter)
    for o in obligations:
        status = status_of.get((o["party_id"], o["activity_id"]))
        counter = tally[o["party_id"]]
        counter["obligations"] += 1
        if status in REPORTED_STATUSES:
            counter["reported"] += 1
        elif status == ProgressUpdate.Status.DRAFT:
            counter["drafts"] += 1
        elif status == ProgressUpdate.Status.RETURNED:
            counter["returned"] += 1
    is_past_due = today > current["due_on"]
    rows = [
        RoundPartyRow(
            party=parties.get(pid) or PartyRef(pid, "", "?", "?", ""),
            obligations=c["obligations"],
            reported=c["reported"],
            drafts=c["drafts"],
            returned=c["returned"],
            is_overdue=is_past_due and c["reported"] < c["obligations"],
        )
        for pid, c in tally.items()
    ]
    order = {"overdue": 0, "partial": 1, "waiting": 2, "reported": 3}
    rows.sort(key=lambda r: (order[r.state], r.party.name.lower()))
    return RoundStatus(
        id=current["id"],
        period=current["period"],
        opens_on=current["opens_on"],
        due_on=current["due_on"],
        is_past_due=is_past_due,
        parties=rows,
    )


def concerns(
    at, today, parties, plan: PlanSnapshot | None, party_id, *, activities=None
) -> list[ConcernRow]:
    """Help needed and risks from submitted or accepted updates in the last two rounds.

    The activities shown come from `plan`, or (without one) from `activities(ids)`,
    which gives those of the ids within the page's filter (one query)."""
    rounds = sorted(
        snapshot.rows(ReportingRound, at, ("id", "period"), opens_on__lte=today),
        key=lambda r: r["period"],
        reverse=True,
    )[:2]
    if not rounds:
        return []
    period_of = {r["id"]: r["period"] for r in rounds}
    filters = {"round_id__in": list(period_of), "status__in": list(REPORTED_STATUSES)}
    if party_id:
        filters["party_id"] = party_id
    found = (
        snapshot.as_of_queryset(ProgressUpdate, at)
        .filter(**filters)
        .filter(~Q(help_needed="") | ~Q(risks=""))
        .values(
            "round_id",
            "party_id",
            "activity_id",
            "status",
            "self_rag",
            "help_needed",
            "risks",
            "submitted_at",
        )
    )
    latest: dict[tuple, dict] = {}
    for u in found:
        key = (u["party_id"], u["activity_id"])
        if key not in latest or period_of[u["round_id"]] > period_of[latest[key]["round_id"]]:
            latest[key] = u
    titles = {}
    wanted = {u["activity_id"] for u in latest.values()}
    known = plan.activities if plan is not None else (activities(wanted) if wanted else {})
    missing = wanted - set(known)
    if missing:
        titles = {
            r["id"]: r["title"]
            for r in snapshot.rows(Activity, at, ("id", "title"), id__in=list(missing))
        }
    status_labels = dict(ProgressUpdate.Status.choices)
    result = []
    for u in latest.values():
        activity = known.get(u["activity_id"])
        result.append(
            ConcernRow(
                party=parties.get(u["party_id"]) or PartyRef(u["party_id"], "", "?", "?", ""),
                activity=activity,
                activity_title=activity.title if activity else titles.get(u["activity_id"], ""),
                round_period=period_of[u["round_id"]],
                status=u["status"],
                status_label=str(status_labels.get(u["status"], u["status"])),
                self_rag=u["self_rag"],
                self_rag_label=str(Rag.LABELS.get(u["self_rag"], "")) if u["self_rag"] else "",
                help_needed=u["help_needed"],
                risks=u["risks"],
                submitted_at=u["submitted_at"],
            )
        )
    severity = {Rag.RED: 0, Rag.YELLOW: 1, Rag.GREEN: 2, "": 3}
    result.sort(
        key=lambda c: (
            not c.help_needed,
            severity.get(c.self_rag, 3),
            -c.round_period.toordinal(),
            c.party.name.lower(),
        )
    )
    return result
