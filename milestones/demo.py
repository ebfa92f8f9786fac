"""Illustrative demo data so that pages look alive. Everything it writes is
marked as demo data (`is_demo`) and shown as such; the seeds' own facts are
left as they are (it only fills dates the seeds do not state)."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.history import record_save
from parties.models import Membership, Party
from parties.services import membership_grant

from .models import (
    Activity,
    Baseline,
    BaselineEntry,
    DatePrecision,
    Milestone,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)

DEMO_PASSWORD = "sorplan-demo-2026"
REASON = "Demodata (illustrativ)"
DEMO_BASELINE_KEY = "demo-baseline-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    party_key: str | None
    role: str | None
    description: str


DEMO_USERS = [
    DemoUser(
        "redaktoer",
        "Rikke",
        "Redaktør",
        "sor-team",
        Membership.Role.EDITOR,
        "SOR-teamet (redaktør)",
    ),
    DemoUser(
        "styregruppe",
        "Søren",
        "Styregruppe",
        "sor-styregruppe",
        Membership.Role.STEERING,
        "Styregruppen (læser)",
    ),
    DemoUser(
        "region-midt",
        "Mette",
        "Midt",
        "region-midtjylland",
        Membership.Role.REPORTER,
        "Rapportør, Region Midtjylland",
    ),
    DemoUser(
        "rsi",
        "Rasmus",
        "RSI",
        "rsi",
        Membership.Role.REPORTER,
        "Rapportør, RSI (også for de fem regioner)",
    ),
    DemoUser("medcom", "Maja", "MedCom", "medcom", Membership.Role.REPORTER, "Rapportør, MedCom"),
    DemoUser(
        "kombit",
        "Karl",
        "KOMBIT",
        "kombit",
        Membership.Role.REPORTER,
        "Rapportør, KOMBIT (også for kommunerne)",
    ),
    DemoUser("admin", "Anne", "Admin", None, None, "Superbruger (Django-administration)"),
]


def _month_add(date: datetime.date, months: int) -> datetime.date:
    month_index = date.month - 1 + months
    year = date.year + month_index // 12
    month = month_index % 12 + 1
    return date.replace(year=year, month=month, day=min(date.day, 28))


@transaction.atomic
def demo_users_create(*, by) -> list[DemoUser]:
    """Create (or reset the password of) one demo user per role."""
    User = get_user_model()
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@sorplan.invalid",
            },
        )
        user.is_superuser = user.is_staff = spec.username == "admin"
        user.set_password(DEMO_PASSWORD)
        user.save()
        if spec.party_key:
            membership_grant(
                user=user, party=Party.objects.get(key=spec.party_key), role=spec.role, by=by
            )
    return DEMO_USERS


@transaction.atomic
def demo_data_load(*, by, today: datetime.date | None = None) -> dict[str, int]:
    """Fill illustrative dates, statuses, a demo baseline, KOMBIT progress and a
    reporting round with a few progress notes. Safe to run again."""
    # Long on purpose: one illustrative story told in order (dates, statuses, the baseline,
    # KOMBIT's progress, the round), each step using the ones before; the random draws must
    # stay in this order for the demo to come out the same every time.
    today = today or timezone.localdate()
    rng = random.Random(2026)
    counts = {"milepæle": 0, "aktiviteter": 0, "kommuner": 0, "opdateringer": 0}

    first_run = not Baseline.objects.filter(key=DEMO_BASELINE_KEY).exists()

    # Illustrative forecasts for open milestones the seeds give no date: each
    # activity starts somewhere from 5 months ago to 10 months ahead, and its
    # milestones follow each other 3 months apart (so dependencies hold).
    open_without_date = (
        Milestone.objects.filter(
            forecast_date__isnull=True,
            actual_date__isnull=True,
            actual_date_unknown=False,
            is_demo=False,
        )
        .select_related("activity")
        .order_by("activity__sort_order", "sort_order", "pk")
    )
    first_of_month = today.replace(day=1)
    activity_index: dict[int, int] = {}
    position: dict[int, int] = {}
    for milestone in open_without_date:
        index = activity_index.setdefault(milestone.activity_id, len(activity_index))
        step = position[milestone.activity_id] = position.get(milestone.activity_id, -1) + 1
        offset = (index * 7) % 16 - 5 + 3 * step
        if milestone.activity.key.startswith("sor-tilpasning-region-"):
            # The regions' own paths stay open, so their reporters have work in the demo.
            offset = 2 + index % 5
        milestone.forecast_date = _month_add(first_of_month, offset).replace(
            day=rng.choice([1, 15, 28])
        )
        milestone.forecast_precision = DatePrecision.DAY
        milestone.is_demo = True
        if offset < -1:
            milestone.status = Milestone.Status.DONE
            milestone.actual_date = milestone.forecast_date
            milestone.actual_precision = DatePrecision.DAY
        elif offset < 4:
            milestone.status = Milestone.Status.IN_PROGRESS
        record_save(milestone, user=by, reason=REASON)
        counts["milepæle"] += 1

    # In the demo world, MedCom's project started mid-December 2023 and the SHAK
    # phase-out started in 2024, as the plan said.
    for key, actual, precision in [
        ("medcom-adresseringsprojekt-starter", datetime.date(2023, 12, 14), DatePrecision.DAY),
        ("shak-udfasning-starter", datetime.date(2024, 1, 1), DatePrecision.YEAR),
    ]:
        started = Milestone.objects.filter(key=key, actual_date__isnull=True, is_demo=False).first()
        if started is None:
            continue
        started.status = Milestone.Status.DONE
        started.actual_date = actual
        started.actual_precision = precision
        started.is_demo = True
        record_save(started, user=by, reason=REASON)
        counts["milepæle"] += 1

    # A demo baseline a little earlier than the demo forecasts, so slips show.
    if not Baseline.objects.filter(key=DEMO_BASELINE_KEY).exists():
        baseline = Baseline(
            key=DEMO_BASELINE_KEY,
            name="Demobaseline (illustrativ)",
            short_name="Demo",
            description="Illustrative datoer fra demodata – ikke en del af SOR-planen.",
            sequence=10,
            frozen_at=timezone.now(),
        )
        record_save(baseline, user=by, reason=REASON)
        for milestone in Milestone.objects.exclude(forecast_date__isnull=True):
            slip_months = rng.choice([0, 0, 0, 0, 1, 2, 4])
            BaselineEntry.objects.create(
                baseline=baseline,
                milestone=milestone,
                date=_month_add(milestone.forecast_date, -slip_months),
                precision=milestone.forecast_precision,
            )
        for previous in Baseline.objects.filter(is_active=True):
            previous.is_active = False
            record_save(previous, user=by, reason=REASON)
        baseline.is_active = True
        record_save(baseline, user=by, reason=REASON)

    # Activity statuses from their milestones.
    for activity in Activity.objects.filter(is_demo=False).prefetch_related("milestones"):
        statuses = {m.status for m in activity.milestones.all()}
        if not statuses:
            status = Activity.Status.IN_PROGRESS
        elif statuses == {Milestone.Status.DONE}:
            status = Activity.Status.DONE
        elif Milestone.Status.DONE in statuses or Milestone.Status.IN_PROGRESS in statuses:
            status = Activity.Status.IN_PROGRESS
        else:
            status = Activity.Status.NOT_STARTED
        activity.status = status
        activity.is_demo = True
        record_save(activity, user=by, reason=REASON)
        counts["aktiviteter"] += 1

    # KOMBIT: the pilot municipalities in production, part of wave 1 in test.
    already = MunicipalityRollout.objects.filter(is_demo=True).exists()
    rollouts = (
        [] if already else MunicipalityRollout.objects.select_related("phase", "municipality")
    )
    for index, rollout in enumerate(rollouts):
        if rollout.phase.number == 2:
            rollout.status = MunicipalityRollout.Status.IN_PRODUCTION
            rollout.status_date = _month_add(today, -4)
        elif rollout.phase.number == 3 and index % 2 == 0:
            rollout.status = MunicipalityRollout.Status.IN_TEST
            rollout.status_date = _month_add(today, -1)
        else:
            continue
        rollout.is_demo = True
        record_save(rollout, user=by, reason=REASON)
        counts["kommuner"] += 1

    counts["opdateringer"] = _demo_round(by=by, today=today, rng=rng)
    # This month's round, as the daily task would have opened it, so reporters have work.
    from .services.rounds import reporting_round_open_for_month

    reporting_round_open_for_month(today=today, user=by)
    if first_run:
        _demo_past_create(by=by, today=today, rng=rng)
    return counts


def _history_models():
    """Every model with history whose rows this load (seed + demo) wrote today."""
    from django.apps import apps

    for model in apps.get_models():
        history = getattr(model, "history", None)
        if (
            history is not None
            and hasattr(history, "model")
            and model._meta.app_label
            in {
                "parties",
                "milestones",
            }
        ):
            yield history.model


def _demo_past_create(*, by, today: datetime.date, rng: random.Random) -> None:
    """Give the demo programme a past, so trends and "since last month" show something.

    The plan as loaded (seed + demo) is dated 13 months back; then each demo
    milestone whose forecast differs from the demo baseline moved to its
    current forecast at a month end in between. Only history rows are written
    (illustrative, reason "Demodata (illustrativ)"); current rows are untouched.
    Runs once, with the demo baseline's creation.
    """
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(_month_add(today.replace(day=1), -13), datetime.time(9), tz)
    now = timezone.now()
    cutoff = now - datetime.timedelta(hours=6)
    shift = now - start
    for history_model in _history_models():
        # Rows written by this setup run (the seed load and the demo) move back to
        # `start`, keeping their order.
        history_model.objects.filter(history_date__gte=cutoff).update(
            history_date=F("history_date") - shift
        )
    entries = {
        e.milestone_id: e for e in BaselineEntry.objects.filter(baseline__key=DEMO_BASELINE_KEY)
    }
    Historical = Milestone.history.model
    fields = [f.attname for f in Milestone._meta.fields]
    rows = []
    for milestone in Milestone.objects.filter(is_demo=True):
        entry = entries.get(milestone.pk)
        if entry is None or entry.date is None or milestone.forecast_date is None:
            continue
        values = {name: getattr(milestone, name) for name in fields}
        # As first loaded: the baseline date, not yet reached.
        first = dict(values, forecast_date=entry.date)
        if milestone.actual_date:
            first.update(status=Milestone.Status.PLANNED, actual_date=None)
        latest = Historical.objects.filter(id=milestone.pk).order_by("-history_date", "-history_id")
        Historical.objects.filter(history_id=latest.values("history_id")[:1]).update(
            **{k: v for k, v in first.items() if k != "id"}
        )
        if entry.date != milestone.forecast_date:
            moved_at = datetime.datetime.combine(
                _month_add(start.date(), rng.randint(2, 11)).replace(day=20), datetime.time(14), tz
            )
            if milestone.actual_date:
                moved_at = min(
                    moved_at, datetime.datetime.combine(milestone.actual_date, datetime.time(9), tz)
                )
            rows.append(
                Historical(
                    **dict(
                        values if not milestone.actual_date else first,
                        forecast_date=milestone.forecast_date,
                    ),
                    history_date=max(moved_at, start + datetime.timedelta(days=1)),
                    history_type="~",
                    history_user=by,
                    history_change_reason=REASON + ": ny forventet dato",
                )
            )
        if milestone.actual_date:
            reached_at = datetime.datetime.combine(milestone.actual_date, datetime.time(15), tz)
            rows.append(
                Historical(
                    **values,
                    history_date=min(max(reached_at, start + datetime.timedelta(days=2)), now),
                    history_type="~",
                    history_user=by,
                    history_change_reason=REASON + ": nået",
                )
            )
    Historical.objects.bulk_create(rows)


def _demo_round(*, by, today: datetime.date, rng: random.Random) -> int:
    """Last month's reporting round with a few progress notes."""
    period = _month_add(today.replace(day=1), -1).replace(day=1)
    if ReportingRound.objects.filter(period=period).exists():
        return 0
    next_month = _month_add(period, 1)
    round_ = ReportingRound(
        period=period,
        opens_on=period,
        due_on=next_month - datetime.timedelta(days=1),
        created_by=by,
    )
    record_save(round_, user=by, reason=REASON)
    reporters = set(
        Membership.objects.filter(role=Membership.Role.REPORTER).values_list("party_id", flat=True)
    )
    obligations = Activity.objects.filter(responsible_party_id__in=reporters)
    for activity in obligations:
        record_save(
            RoundObligation(round=round_, party=activity.responsible_party, activity=activity),
            user=by,
            reason=REASON,
        )
    notes = {
        "medcom-adresseringsprojekt": (
            ProgressUpdate.Status.ACCEPTED,
            "yellow",
            "Tre af syv meddelelsestyper er overgået til SOR-koder. To leverandører er forsinket med certificering.",
            "Afklaring af tidsplan for FHIR-meddelelser i forhold til SOR-adressering.",
        ),
        "sor-tilpasning-region-midtjylland": (
            ProgressUpdate.Status.SUBMITTED,
            "green",
            "Patientjournalen er testet med SOR-koder i testmiljøet; produktion planlagt i næste kvartal.",
            "",
        ),
        "kombit-integration-til-sorus": (
            ProgressUpdate.Status.SUBMITTED,
            "yellow",
            "Pilotkommunerne er i drift. Bølge 1 er i gang med tilslutning og test.",
            "Beslutning om tidspunkt for bølge 2 set i lyset af kommunernes egne releaseplaner.",
        ),
    }
    created = 0
    for key, (status, rag, narrative, help_needed) in notes.items():
        activity = Activity.objects.filter(key=key).first()
        if activity is None:
            continue
        update = ProgressUpdate(
            round=round_,
            party=activity.responsible_party,
            activity=activity,
            status=status,
            narrative=narrative,
            self_rag=rag,
            self_rag_reason="Demodata.",
            percent_complete=rng.choice([30, 45, 60]),
            help_needed=help_needed,
            is_demo=True,
            submitted_at=timezone.now(),
        )
        record_save(update, user=by, reason=REASON)
        created += 1
    return created
