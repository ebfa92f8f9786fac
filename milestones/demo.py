"""Illustrative demo data so that pages look alive. Every value it fills in is
marked as demo data, per field (`demo_fields`), and shown as such; the seeds'
own facts on the same rows stay facts. While demo data is loaded every page,
the PDF and the exports carry the banner "Demodata – illustrativ"."""

import datetime
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import record_save
from parties.models import Membership, Party
from parties.services import membership_grant

from .models import (
    Activity,
    Baseline,
    BaselineEntry,
    DatePrecision,
    Dependency,
    Milestone,
    MunicipalityRollout,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
    StatusSource,
)
from .services.status import status_deferred

DEMO_PASSWORD = "sorplan-demo-2026"
REASON = "Demodata (illustrativ)"
DEMO_BASELINE_KEY = "demo-baseline-2026"
DEMO_FLAG_SECONDS = 60
_demo_flag: tuple[float, bool] | None = None  # (when asked, loaded)
# What is illustrative: the banner's text on pages, in the PDF and in exports.
DEMO_NOTICE = _(
    "Datoer og statusser mærket »demodata«, demobaselinen, kommunernes udrulningsstatus, "
    "fremdriftsrapporterne, demobrugerne og historikken før indlæsningen er opdigtede til "
    "illustration. Planens egne oplysninger fra kildedokumenterne er fakta."
)


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


def demo_data_loaded() -> bool:
    """Whether illustrative demo data is loaded: every page, the PDF and the exports
    then show the demo banner.

    One cheap flag (does the demo baseline exist, which every demo load writes),
    kept in the process for `DEMO_FLAG_SECONDS`: a page asks once a minute at
    most, whatever else is cached or cleared.
    """
    global _demo_flag
    now = time.monotonic()
    if _demo_flag is None or now - _demo_flag[0] > DEMO_FLAG_SECONDS:
        _demo_flag = (now, Baseline.objects.filter(key=DEMO_BASELINE_KEY).exists())
    return _demo_flag[1]


def demo_flag_reset() -> None:
    """Forget the flag: the next page asks the database again."""
    global _demo_flag
    _demo_flag = None


def _mark(row, *fields: str) -> None:
    """Mark only the fields the demo fills in; the seed's own values stay facts."""
    row.demo_fields = sorted(set(row.demo_fields or []) | set(fields))


def _when(milestone: Milestone) -> datetime.date | None:
    """The date a milestone is (to be) reached, by the end of its period."""
    return milestone.actual_period_end or milestone.forecast_period_end


# Chains the demo dates on purpose, as the plan orders them: KOMBIT's FK-OSS is
# certified before any municipality goes into production, and the IT suppliers
# are still implementing while MedCom has yet to certify them.
SCRIPTED = {
    # key: (months from this month, status)
    "fk-oss-sor-certificeret": (-9, Milestone.Status.DONE),
    "kombit-pilot-gennemfoert": (-2, Milestone.Status.DONE),
    "kombit-boelge-1-udrullet": (4, Milestone.Status.IN_PROGRESS),
    "kombit-boelge-2-udrullet": (12, Milestone.Status.PLANNED),
    "leverandoerer-haandterer-sor-koder": (3, Milestone.Status.IN_PROGRESS),
    "medcom-it-leverandoerer-certificeret": (6, Milestone.Status.IN_PROGRESS),
    "medcom-adressering-med-sor-alene": (10, Milestone.Status.PLANNED),
}
# An activity is done in the demo only when its milestones are, and these also
# need another party's milestone: no supplier is done before MedCom certified it.
DONE_ALSO_NEEDS = {"it-leverandoerer-sor-i-meddelelser": "medcom-it-leverandoerer-certificeret"}


def _demo_milestones_fill(*, by, today: datetime.date, rng: random.Random) -> int:
    """Illustrative forecasts (and a few reached dates) for the open milestones the
    seeds give no date, then every dependency made to hold. Only what the demo
    fills is marked; returns how many milestones changed."""
    first_of_month = today.replace(day=1)
    milestones = {
        m.pk: m
        for m in Milestone.objects.select_related("activity").order_by(
            "activity__sort_order", "sort_order", "pk"
        )
    }
    before = {
        pk: (m.forecast_date, m.status, m.actual_date, list(m.demo_fields))
        for pk, m in milestones.items()
    }

    def set_state(m, date, status):
        m.forecast_date, m.forecast_precision = date, DatePrecision.DAY
        m.status = status
        if status == Milestone.Status.DONE:
            m.actual_date, m.actual_precision = date, DatePrecision.DAY
            _mark(m, "forecast_date", "status", "actual_date")
        else:
            m.actual_date = None
            _mark(m, "forecast_date", "status")

    activity_index: dict[int, int] = {}
    position: dict[int, int] = {}
    for m in milestones.values():
        if m.forecast_date or m.actual_date or m.actual_date_unknown or m.demo_fields:
            continue
        if m.key in SCRIPTED:
            months, status = SCRIPTED[m.key]
            set_state(m, _month_add(first_of_month, months).replace(day=15), status)
            continue
        # Each activity starts somewhere from 5 months ago to 10 months ahead, and its
        # milestones follow each other 3 months apart.
        index = activity_index.setdefault(m.activity_id, len(activity_index))
        step = position[m.activity_id] = position.get(m.activity_id, -1) + 1
        offset = (index * 7) % 16 - 5 + 3 * step
        if m.activity.key.startswith("sor-tilpasning-region-"):
            # The regions' own paths stay open, so their reporters have work in the demo.
            offset = 2 + index % 5
        date = _month_add(first_of_month, offset).replace(day=rng.choice([1, 15, 28]))
        if offset < -1:
            status = Milestone.Status.DONE
        elif offset < 4:
            status = Milestone.Status.IN_PROGRESS
        else:
            status = Milestone.Status.PLANNED
        set_state(m, date, status)

    # In the demo world, MedCom's project started mid-December 2023 and the SHAK
    # phase-out in 2024, as the plan said: the reached dates are illustrative, the
    # planned ones stay the seed's.
    for key, actual, precision in [
        ("medcom-adresseringsprojekt-starter", datetime.date(2023, 12, 14), DatePrecision.DAY),
        ("shak-udfasning-starter", datetime.date(2024, 1, 1), DatePrecision.YEAR),
    ]:
        m = next((m for m in milestones.values() if m.key == key), None)
        if m is None or m.actual_date or m.is_done:
            continue
        m.status, m.actual_date, m.actual_precision = Milestone.Status.DONE, actual, precision
        _mark(m, "status", "actual_date")

    # Nothing reached or dated before what it depends on. Only values the demo
    # filled move, and a seed date only where the demo's own dates ahead of it
    # would otherwise contradict it (an illustrative slip, marked; the plan
    # versions keep the seed's date).
    links = list(Dependency.objects.values_list("predecessor_id", "successor_id"))
    for _round in range(len(links) + 1):
        moved = False
        for pred_id, succ_id in links:
            pred, succ = milestones[pred_id], milestones[succ_id]
            if succ.is_done and "status" not in succ.demo_fields:
                continue  # the seed's own "reached" stays a fact
            pred_when = _when(pred)
            if succ.is_done and not pred.is_done and "status" in succ.demo_fields:
                set_state(succ, _month_add(pred_when or today, 1), Milestone.Status.IN_PROGRESS)
                moved = True
            succ_when = _when(succ)
            if pred_when and succ_when and succ_when < pred_when:
                later = _month_add(pred_when, 1)
                status = succ.status
                if status == Milestone.Status.DONE and later > today:
                    status = Milestone.Status.IN_PROGRESS
                set_state(succ, later, status)
                moved = True
        if not moved:
            break

    changed = 0
    for pk, m in milestones.items():
        if before[pk] != (m.forecast_date, m.status, m.actual_date, list(m.demo_fields)):
            record_save(m, user=by, reason=REASON)
            changed += 1
    return changed


@transaction.atomic
def demo_data_load(*, by, today: datetime.date | None = None) -> dict[str, int]:
    """Fill illustrative dates, statuses, a demo baseline, KOMBIT progress and a
    reporting round with a few progress notes. Safe to run again.

    The plan's order holds throughout: see `SCRIPTED` and the dependency pass.
    """
    with status_deferred(user=by, reason="Demodata indlæst"):
        return _demo_data_load(by=by, today=today)


def _demo_data_load(*, by, today: datetime.date | None) -> dict[str, int]:
    today = today or timezone.localdate()
    rng = random.Random(2026)
    counts = {"milepæle": 0, "aktiviteter": 0, "kommuner": 0, "opdateringer": 0}

    first_run = not Baseline.objects.filter(key=DEMO_BASELINE_KEY).exists()
    counts["milepæle"] = _demo_milestones_fill(by=by, today=today, rng=rng)

    # A demo baseline a little earlier than the demo forecasts, so slips show.
    if first_run:
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

    # Statuses of the activities whose status the seeds neither state nor imply,
    # from their milestones (marked as demo; the seeds' statuses are kept).
    done_keys = set(
        Milestone.objects.filter(status=Milestone.Status.DONE).values_list("key", flat=True)
    )
    for activity in Activity.objects.filter(status_source=StatusSource.TEAM).prefetch_related(
        "milestones"
    ):
        if activity.version > 1 and "status" not in activity.demo_fields:
            continue  # a person has set it
        statuses = {m.status for m in activity.milestones.all()}
        needs = DONE_ALSO_NEEDS.get(activity.key)
        if not statuses:
            status = Activity.Status.IN_PROGRESS
        elif statuses == {Milestone.Status.DONE} and (needs is None or needs in done_keys):
            status = Activity.Status.DONE
        elif Milestone.Status.DONE in statuses or Milestone.Status.IN_PROGRESS in statuses:
            status = Activity.Status.IN_PROGRESS
        else:
            status = Activity.Status.NOT_STARTED
        if activity.status == status and "status" in activity.demo_fields:
            continue
        activity.status = status
        _mark(activity, "status")
        record_save(activity, user=by, reason=REASON)
        counts["aktiviteter"] += 1

    # KOMBIT: the pilot municipalities in production, part of wave 1 in test, and
    # only after FK-OSS is certified (and, for wave 1, the pilot is done).
    certified = Milestone.objects.filter(
        key="fk-oss-sor-certificeret", actual_date__isnull=False
    ).first()
    pilot_done = Milestone.objects.filter(
        key="kombit-pilot-gennemfoert", actual_date__isnull=False
    ).first()
    already = MunicipalityRollout.objects.filter(is_demo=True).exists()
    rollouts = (
        []
        if already or certified is None
        else MunicipalityRollout.objects.select_related("phase", "municipality")
    )
    in_production_on = max(_month_add(today, -4), certified.actual_date) if certified else None
    for index, rollout in enumerate(rollouts):
        if rollout.phase.number == 2:
            rollout.status = MunicipalityRollout.Status.IN_PRODUCTION
            rollout.status_date = in_production_on
        elif rollout.phase.number == 3 and index % 2 == 0 and pilot_done is not None:
            rollout.status = MunicipalityRollout.Status.IN_TEST
            rollout.status_date = max(_month_add(today, -1), pilot_done.actual_date)
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
    # The banner shows from the next page on (in other processes once their flag expires).
    demo_flag_reset()
    transaction.on_commit(demo_flag_reset)
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
    for milestone in Milestone.objects.exclude(demo_fields=[]):
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
