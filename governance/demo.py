"""The steering group's records for the demo: a held meeting with minutes, a decision
taken there and the actions agreed, the next meeting with its agenda drafted from the
records, a handful of risks (one in the top band, one past its review date), an issue
and an open decision request with its options.

Everything is illustrative and says so: every title ends in "(demo)" and every key
starts with "demo-". Written through the governance services (history with who and
why), then the history is dated back to when a real programme would have written it,
so the logs at a past moment have a past. Safe to run again: once the demo meeting
exists, nothing is written."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from milestones.models import Activity, Milestone
from parties.models import Party

from .models import Action, Decision, Issue, Meeting, Risk
from .services import records
from .services.meetings import (
    meeting_action_record,
    meeting_create,
    meeting_decision_record,
    meeting_minutes_save,
    meeting_participants_set,
)

REASON = "Demodata (illustrativ)"
HELD_MEETING_KEY = "demo-styregruppemoede-forrige"


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _backdate(record, day: datetime.date) -> None:
    """Date a record's history (and its creation) back to `day`: the demo's past."""
    model = type(record)
    rows = model.history.filter(id=record.pk).order_by("history_id")
    for n, row_id in enumerate(rows.values_list("history_id", flat=True)):
        # A minute apart, in the order they were written: "as it stood" stays unambiguous.
        moment = _at(day) + datetime.timedelta(minutes=n)
        model.history.filter(history_id=row_id).update(history_date=moment)
    if hasattr(record, "created_at"):
        model.objects.filter(pk=record.pk).update(created_at=_at(day))


def _party(key: str) -> Party | None:
    return Party.objects.filter(key=key).first()


def _links(*, activities=(), milestones=()) -> dict:
    return {
        "activities": list(Activity.objects.filter(key__in=activities)),
        "milestones": list(Milestone.objects.filter(key__in=milestones)),
    }


def governance_demo_load(*, by, today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo's governance records once."""
    if Meeting.objects.filter(key=HELD_MEETING_KEY).exists():
        return {}
    sor_team, rsi, medcom, kombit, sds = (
        _party(k) for k in ("sor-team", "rsi", "medcom", "kombit", "sds")
    )
    if not all((sor_team, rsi, medcom, kombit, sds)):
        return {}  # the SOR plan's parties are not loaded
    today = today or timezone.localdate()
    with transaction.atomic():
        return _load(by=by, today=today, parties=(sor_team, rsi, medcom, kombit, sds))


def _load(*, by, today: datetime.date, parties) -> dict[str, int]:
    sor_team, rsi, medcom, kombit, sds = parties
    users = get_user_model().objects
    steering = users.filter(username="styregruppe").first()
    editor = users.filter(username="redaktoer").first()
    held_on = today - datetime.timedelta(days=42)
    next_on = today + datetime.timedelta(days=21)

    risks = [
        (
            "demo-id27-naar-ikke-frem",
            "Regionernes leverandører når ikke ID27 før SHAK udfases (demo)",
            rsi,
            dict(probability=4, impact=5, response=Risk.Response.REDUCE),
            "Leverandørernes releaseplaner ligger efter programmets tidsplan.",
            "Regionerne kan ikke anvende SOR i stedet for SHAK til tiden.",
            "Månedlig opfølgning med leverandørerne; prioritering af de kritiske systemer.",
            today + datetime.timedelta(days=14),
            _links(activities=["id27-i-regionernes-systemer"]),
            Risk.Status.OPEN,
        ),
        (
            "demo-certificering-og-fhir",
            "MedComs certificering forsinkes af overgangen til FHIR (demo)",
            medcom,
            dict(probability=3, impact=4, response=Risk.Response.REDUCE),
            "Samme leverandører skal både SOR-adressere og gå over til FHIR.",
            "Færre meddelelsestyper med SOR-adressering ved cut-over.",
            "Fælles testvinduer for SOR og FHIR.",
            today - datetime.timedelta(days=10),  # past its review date: flagged
            _links(activities=["medcom-adresseringsprojekt"]),
            Risk.Status.OPEN,
        ),
        (
            "demo-sorus-test",
            "Kommunernes integration til SORUS kræver mere test end planlagt (demo)",
            kombit,
            dict(probability=2, impact=3, response=Risk.Response.ACCEPT),
            "Flere kommunale fagsystemer end forventet bruger organisationsdata.",
            "Bølge 1 kan glide en måned.",
            "",
            today + datetime.timedelta(days=30),
            _links(activities=["kombit-integration-til-sorus"]),
            Risk.Status.OBSERVED,
        ),
        (
            "demo-udbud-traekker-ud",
            "Udbuddet af SOR-løsningen trækker ud (demo)",
            sds,
            dict(probability=3, impact=5, response=Risk.Response.AVOID),
            "Klagesag eller få tilbud.",
            "Transitionen til ny leverandør skubbes.",
            "Markedsdialog før udbuddet; realistisk tidsplan med buffer.",
            today + datetime.timedelta(days=21),
            _links(activities=["forberedelse-af-udbud"]),
            Risk.Status.OPEN,
        ),
    ]
    created = {"risici": 0, "problemer": 0, "beslutninger": 0, "handlinger": 0, "møder": 0}
    made_risks = {}
    for n, (
        key,
        title,
        owner,
        scores,
        cause,
        consequence,
        mitigation,
        review,
        links,
        status,
    ) in enumerate(risks):
        risk = records.risk_create(
            data={
                "key": key,
                "title": title,
                "owner_party": owner,
                "cause": cause,
                "consequence": consequence,
                "mitigation": mitigation,
                "review_on": review,
                "proximity": today + datetime.timedelta(days=90 + 30 * n),
                "status": status,
                **scores,
                **links,
            },
            user=by,
            reason=REASON,
        )
        _backdate(risk, held_on - datetime.timedelta(days=20 - n))
        made_risks[key] = risk
        created["risici"] += 1

    issue = records.issue_create(
        data={
            "key": "demo-testmiljoe-nede",
            "title": "Testmiljøet for SOR-opslag er ustabilt (demo)",
            "owner_party": sds,
            "severity": Issue.Severity.HIGH,
            "blocks": "Regionernes test af ID27-opslag.",
            "due_on": today + datetime.timedelta(days=10),
            "description": "Testmiljøet har været nede flere gange den seneste måned.",
            **_links(activities=["pilottest-id27"]),
        },
        user=by,
        reason=REASON,
    )
    _backdate(issue, today - datetime.timedelta(days=12))
    created["problemer"] += 1

    taken = records.decision_request(
        data={
            "key": "demo-demobaseline-godkendes",
            "title": "Godkendelse af planens baseline (demo)",
            "owner_party": sor_team,
            "question": "Skal styregruppen godkende den foreliggende baseline for planen?",
            "background": "Baselinen er grundlaget for, hvornår en milepæl regnes som forsinket.",
            "recommendation": "SOR-teamet anbefaler at godkende baselinen.",
            "needed_by": held_on,
            "requested_by_party": sor_team,
        },
        options=[
            ("Godkend baselinen", "Status måles mod den fra næste måned."),
            ("Udskyd godkendelsen", "Status måles fortsat mod den foreløbige plan."),
        ],
        user=by,
        reason=REASON,
    )
    _backdate(taken, held_on - datetime.timedelta(days=14))
    requested = records.decision_request(
        data={
            "key": "demo-shak-lukkes-regionsvis",
            "title": "Lukkes SHAK-opslag regionsvis eller samlet? (demo)",
            "owner_party": sor_team,
            "question": "Skal SHAK-opslag lukkes for én region ad gangen eller for alle på én dag?",
            "background": "Regionerne er ikke lige langt med ID27 (se risikoen om ID27).",
            "recommendation": "SOR-teamet anbefaler regionsvis lukning i to bølger.",
            "needed_by": next_on,
            "requested_by_party": rsi,
            **_links(activities=["milepaelsplan-shak-udfasning"]),
        },
        options=[
            ("Regionsvis, i to bølger", "Mindre risiko for driften; SHAK lever et halvt år mere."),
            ("Samlet, på én dag", "Klart snit; kræver at alle regioner er klar samtidig."),
        ],
        user=by,
        reason=REASON,
    )
    _backdate(requested, today - datetime.timedelta(days=7))
    created["beslutninger"] += 2

    meeting = meeting_create(
        data={
            "key": HELD_MEETING_KEY,
            "title": "Styregruppemøde (demo)",
            "held_on": held_on,
            "starts_at": datetime.time(13, 0),
            "place": "Sundhedsdatastyrelsen, mødelokale 1 (demo)",
        },
        user=by,
        reason=REASON,
    )
    meeting_participants_set(
        meeting=meeting,
        users=[u for u in (steering, editor) if u],
        others=[("Repræsentant for RSI (demo)", rsi), ("Repræsentant for KOMBIT (demo)", kombit)],
        by=by,
    )
    meeting_decision_record(
        meeting=meeting,
        decision_id=taken.pk,
        version=taken.version,
        outcome="Baselinen er godkendt; status måles mod den fra næste måned.",
        user=by,
    )
    agreed = [
        (
            "demo-plan-for-id27-test",
            "Send planen for ID27-test til styregruppen (demo)",
            rsi,
            today - datetime.timedelta(days=5),  # overdue
            Action.Status.OPEN,
        ),
        (
            "demo-leverandoerdialog",
            "Indkald leverandørerne til dialog om releaseplaner (demo)",
            sor_team,
            held_on + datetime.timedelta(days=14),
            Action.Status.DONE,
        ),
    ]
    for key, title, owner, due_on, status in agreed:
        action = meeting_action_record(
            meeting=meeting,
            data={"key": key, "title": title, "owner_party": owner, "due_on": due_on},
            user=by,
        )
        if status != action.status:
            records.action_progress(
                pk=action.pk,
                version=action.version,
                status=status,
                progress_note="Afholdt; referat sendt til styregruppen (demo).",
                user=by,
                reason=REASON,
            )
        _backdate(action, held_on)
        created["handlinger"] += 1
    fhir = records.action_create(
        data={
            "key": "demo-fhir-tidsplan",
            "title": "Afklar FHIR-tidsplanen med MedCom (demo)",
            "owner_party": medcom,
            "due_on": today + datetime.timedelta(days=14),
            "origin": Action.Origin.RISK,
            "risk": made_risks["demo-certificering-og-fhir"],
        },
        user=by,
        reason=REASON,
    )
    _backdate(fhir, today - datetime.timedelta(days=9))
    created["handlinger"] += 1
    meeting = Meeting.objects.get(pk=meeting.pk)
    meeting_minutes_save(
        pk=meeting.pk,
        version=meeting.version,
        minutes=(
            "Referat (demo)\n\n1. Status: samlet status gul; ID27 er den største risiko.\n"
            "2. Baselinen blev godkendt.\n3. RSI sender planen for ID27-test."
        ),
        held=True,
        user=by,
        reason=REASON,
    )
    _backdate(meeting, held_on)
    for n, row_id in enumerate(
        Decision.history.filter(id=taken.pk, history_type="~")
        .order_by("history_id")
        .values_list("history_id", flat=True)
    ):  # taken at the meeting, after the request was made
        Decision.history.filter(history_id=row_id).update(
            history_date=_at(held_on, 15) + datetime.timedelta(minutes=n)
        )
    created["møder"] += 1

    meeting_create(
        data={
            "key": "demo-styregruppemoede-naeste",
            "title": "Næste styregruppemøde (demo)",
            "held_on": next_on,
            "starts_at": datetime.time(13, 0),
            "place": "Sundhedsdatastyrelsen, mødelokale 1 (demo)",
        },
        user=by,
        reason=REASON,
    )
    created["møder"] += 1
    return created
