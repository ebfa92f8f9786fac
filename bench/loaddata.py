"""A synthetic programme for measuring performance (`generate_load_data`, `bench`).

It is written into the bench's own database only (`bench.database`), never the
configured one; the functions here work on whatever database is current.

Everything written here is synthetic and marked: keys start with "load-"
(parties, activities, milestones, baselines), rounds are created by the
"load-generator" user, and `bench.cleanup.load_data_clear` removes all of it again,
history included. The plan's own data is not touched, except that synthetic
milestones get entries in the active baseline (removed with them).

Rows are written with bulk_create, history rows too: for synthetic data it is
fine to write django-simple-history's tables directly, with the dates a real
programme would have produced over the months (monthly follow-up of every open
milestone, reporting rounds with draft, submitted and accepted updates).
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from medcom.synthetic import medcom_synthetic_generate
from milestones.models import (
    Activity,
    Baseline,
    BaselineEntry,
    Dependency,
    Milestone,
    ProgressUpdate,
    ReportingRound,
    RoundObligation,
)
from milestones.rag import add_months
from parties.models import Membership, Party
from register.readiness import readiness_rebuild
from register.synthetic import register_synthetic_generate

PREFIX = "load-"
LOAD_USERNAME = "load-generator"
BENCH_USERNAME = "load-bench"
REASON = "Syntetiske belastningsdata"
BATCH = 5000


@dataclass(frozen=True)
class Scale:
    parties: int
    activities: int
    milestones_per_activity: int
    rounds: int
    months: int
    # SHAK dependency register entries, each with three steps and its state history.
    register_entries: int = 0
    # MedCom's matrix: IT suppliers (one system each) and message types.
    medcom_suppliers: int = 0
    medcom_message_types: int = 0
    # Days back from yesterday whose past moments' figures are stored after the load
    # (`reports.moment_store.backfill`): the bench's and the load test's range.
    moment_days: int = 365

    @property
    def milestones(self) -> int:
        return self.activities * self.milestones_per_activity


SCALES = {
    # A few seconds: for checking the commands themselves (and their tests), not for figures.
    "tiny": Scale(
        parties=4,
        activities=12,
        milestones_per_activity=3,
        rounds=3,
        months=6,
        register_entries=20,
        medcom_suppliers=3,
        medcom_message_types=3,
        moment_days=2,
    ),
    # ≈ 1/10 of large: the same shapes, so query counts can be compared.
    "small": Scale(
        parties=16,
        activities=200,
        milestones_per_activity=10,
        rounds=20,
        months=48,
        register_entries=500,
        medcom_suppliers=10,
        medcom_message_types=6,
    ),
    "large": Scale(
        parties=160,
        activities=2000,
        milestones_per_activity=10,
        rounds=20,
        months=48,
        register_entries=5000,
        medcom_suppliers=100,
        medcom_message_types=60,
    ),
}


def _fields(model) -> list[str]:
    """The attnames of a model's concrete fields (what its history rows copy)."""
    return [f.attname for f in model._meta.concrete_fields]


class _HistoryWriter:
    """Collects historical rows per model and writes them in batches.

    PostgreSQL gets them through COPY (a million rows in well under a minute);
    other databases through bulk_create.
    """

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.pending: dict = {}
        self.history_models: dict = {}
        self.written = 0
        self.copy = connection.vendor == "postgresql"

    def _history(self, model):
        if model not in self.history_models:
            history = model.history.model
            fields = [
                f
                for f in history._meta.concrete_fields
                if f.attname not in ("history_id", "valid_until")
            ]
            self.history_models[model] = (history, fields)
        return self.history_models[model]

    def add(self, model, values: dict, when: datetime.datetime, kind: str = "~", reason=REASON):
        history, fields = self._history(model)
        values = {
            **values,
            "history_date": when,
            "history_type": kind,
            "history_user_id": self.user_id,
            "history_change_reason": reason,
        }
        rows = self.pending.setdefault(model, [])
        if self.copy:
            rows.append(tuple(values[f.attname] for f in fields))
        else:
            rows.append(history(**values))
        if len(rows) >= BATCH * 4:
            self.flush(model)

    def flush(self, model=None):
        for m in [model] if model else list(self.pending):
            rows = self.pending.pop(m, [])
            if not rows:
                continue
            history, fields = self._history(m)
            if self.copy:
                quote = connection.ops.quote_name
                columns = ", ".join(quote(f.column) for f in fields)
                table = quote(history._meta.db_table)
                with connection.cursor() as cursor:
                    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                history.objects.bulk_create(rows, batch_size=BATCH)
            self.written += len(rows)


def _moment(date: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour)))


def _month_end(first: datetime.date) -> datetime.date:
    return add_months(first, 1) - datetime.timedelta(days=1)


def load_users():
    """The synthetic history user and a bench user (SOR-team editor and steering reader)."""
    User = get_user_model()
    generator, _ = User.objects.get_or_create(
        username=LOAD_USERNAME, defaults={"is_active": False, "first_name": "Syntetisk"}
    )
    bench, _ = User.objects.get_or_create(username=BENCH_USERNAME, defaults={"first_name": "Bench"})
    for key, role in (
        ("sor-team", Membership.Role.EDITOR),
        ("sor-styregruppe", Membership.Role.STEERING),
    ):
        party = Party.objects.filter(key=key).first()
        if party is not None:
            Membership.objects.get_or_create(user=bench, party=party, role=role)
    return generator, bench


@transaction.atomic
def load_data_generate(
    *, scale: Scale, seed: int = 2026, today: datetime.date | None = None
) -> dict:
    """Write a synthetic programme of the given scale; returns counts of what was written."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    generator, _bench = load_users()
    writer = _HistoryWriter(generator.pk)
    start = add_months(today.replace(day=1), -scale.months)
    start_at = _moment(start, 9)
    month_firsts = [add_months(start, k) for k in range(1, scale.months + 1)]
    month_ends = [_month_end(m) for m in [start, *month_firsts[:-1]]]  # ends before today
    month_ends = [d for d in month_ends if d < today]

    parties = _parties_write(scale=scale, writer=writer, start_at=start_at)
    activities = _activities_write(rng=rng, scale=scale, today=today, start=start, parties=parties)
    milestones, timelines = _milestones_write(
        rng=rng,
        scale=scale,
        today=today,
        activities=activities,
        month_ends=month_ends,
        writer=writer,
        start_at=start_at,
    )
    _activity_history_write(activities, month_ends=month_ends, writer=writer, start_at=start_at)
    _baseline_write(milestones, timelines, writer=writer, start_at=start_at)
    dependencies = _dependencies_write(
        scale, activities, milestones, writer=writer, start_at=start_at
    )
    # Reporting rounds for the last months, each with an obligation and an update
    # per synthetic activity; the current round is still being filled in.
    counts = _rounds_generate(
        rng=rng, scale=scale, today=today, activities=activities, generator=generator, writer=writer
    )
    writer.flush()
    register = register_synthetic_generate(
        count=scale.register_entries, owners=parties, by=generator, today=today, prefix=PREFIX
    )
    medcom = medcom_synthetic_generate(
        suppliers=scale.medcom_suppliers,
        message_types=scale.medcom_message_types,
        owners=[p for p in parties if p.kind != Party.Kind.IT_SUPPLIER],
        by=generator,
        today=today,
        prefix=PREFIX,
    )
    # MedCom's supplier systems are register entries written in bulk: rate them too.
    readiness_rebuild()
    return {
        "parter": len(parties),
        "aktiviteter": len(activities),
        "milepæle": len(milestones),
        "afhængigheder": len(dependencies),
        **counts,
        **{f"register: {name}": n for name, n in register.items()},
        **{f"medcom: {name}": n for name, n in medcom.items()},
        "historikrækker": writer.written,
    }


def _parties_write(*, scale: Scale, writer, start_at) -> list[Party]:
    """The synthetic parties, of the four kinds in turn."""
    kinds = [
        Party.Kind.IT_SUPPLIER,
        Party.Kind.AUTHORITY,
        Party.Kind.REGIONAL_IT,
        Party.Kind.MUNICIPAL_IT,
    ]
    parties = Party.objects.bulk_create(
        [
            Party(
                key=f"{PREFIX}part-{i:03d}",
                name=f"Syntetisk part {i:03d}",
                short_name=f"SP{i:03d}",
                kind=kinds[i % len(kinds)],
                side=Party.Side.EXTERNAL,
            )
            for i in range(scale.parties)
        ],
        batch_size=BATCH,
    )
    party_fields = _fields(Party)
    for p in parties:
        writer.add(Party, {f: getattr(p, f) for f in party_fields}, start_at, "+")
    return parties


def _activities_write(*, rng, scale: Scale, today, start, parties) -> list[Activity]:
    """Activities over the tracks and parties, with their planned periods."""
    tracks = (
        [Activity.Track.INTERNAL_IT] * 3
        + [Activity.Track.SUM_IT] * 2
        + [Activity.Track.EXTERNAL] * 5
    )
    activities = []
    for i in range(scale.activities):
        begin = add_months(start, rng.randint(0, max(0, scale.months - 6)))
        end = add_months(begin, rng.randint(9, 36))
        activities.append(
            Activity(
                key=f"{PREFIX}akt-{i:04d}",
                title=f"Syntetisk aktivitet {i:04d}: tilpasning af system {rng.randint(100, 999)}",
                track=tracks[i % len(tracks)],
                responsible_party=parties[i % len(parties)],
                planned_start=begin,
                planned_end=end,
                status=Activity.Status.IN_PROGRESS
                if begin <= today
                else Activity.Status.NOT_STARTED,
                sort_order=i,
            )
        )
    activities = Activity.objects.bulk_create(activities, batch_size=BATCH)
    return activities


def _milestones_write(*, rng, scale: Scale, today, activities, month_ends, writer, start_at):
    """Milestones with a forecast followed up every month until reached, and their history.

    Returns (milestones, timelines): each milestone's first forecast and monthly events.
    """
    milestones, timelines = [], []
    for a_index, activity in enumerate(activities):
        span = max(30, (activity.planned_end - activity.planned_start).days)
        for j in range(scale.milestones_per_activity):
            first = activity.planned_start + datetime.timedelta(
                days=int(span * (j + 1) / (scale.milestones_per_activity + 1))
            )
            events, forecast, actual = [], first, None
            for month_end in month_ends:
                if actual is not None:
                    break
                if forecast <= month_end:
                    if rng.random() < 0.8:
                        actual = forecast
                    else:
                        forecast = forecast + datetime.timedelta(days=rng.randint(20, 90))
                elif rng.random() < 0.22:
                    forecast = forecast + datetime.timedelta(days=rng.randint(7, 75))
                elif rng.random() < 0.04:
                    forecast = forecast - datetime.timedelta(days=rng.randint(3, 20))
                events.append((month_end, forecast, actual))
            milestones.append(
                Milestone(
                    key=f"{PREFIX}ms-{a_index:04d}-{j:02d}",
                    title=f"Milepæl {j + 1} for syntetisk aktivitet {a_index:04d}",
                    activity=activity,
                    forecast_date=forecast,
                    actual_date=actual,
                    status=Milestone.Status.DONE
                    if actual
                    else (
                        Milestone.Status.IN_PROGRESS if first <= today else Milestone.Status.PLANNED
                    ),
                    sort_order=j,
                    version=len(events) + 1,
                )
            )
            timelines.append((first, events))
    milestones = Milestone.objects.bulk_create(milestones, batch_size=BATCH)
    milestone_fields = _fields(Milestone)
    for milestone, (first, events) in zip(milestones, timelines, strict=True):
        values = {f: getattr(milestone, f) for f in milestone_fields}
        values.update(
            forecast_date=first, actual_date=None, status=Milestone.Status.PLANNED, version=1
        )
        writer.add(Milestone, dict(values), start_at, "+")
        for version, (month_end, forecast, actual) in enumerate(events, start=2):
            values.update(
                forecast_date=forecast,
                actual_date=actual,
                status=Milestone.Status.DONE if actual else Milestone.Status.IN_PROGRESS,
                version=version,
            )
            writer.add(Milestone, dict(values), _moment(month_end), "~", "Månedlig opfølgning")
    return milestones, timelines


def _activity_history_write(activities, *, month_ends, writer, start_at) -> None:
    """Activities' history: created, then a monthly status review."""
    activity_fields = _fields(Activity)
    for activity in activities:
        values = {f: getattr(activity, f) for f in activity_fields}
        writer.add(Activity, dict(values), start_at, "+")
        for version, month_end in enumerate(month_ends, start=2):
            values["version"] = version
            values["status"] = (
                Activity.Status.IN_PROGRESS
                if activity.planned_start <= month_end
                else Activity.Status.NOT_STARTED
            )
            writer.add(Activity, dict(values), _moment(month_end, 17), "~", "Månedlig opfølgning")


def _baseline_write(milestones, timelines, *, writer, start_at) -> None:
    """The active baseline gets the first forecasts (a synthetic one if none is active)."""
    baseline = Baseline.objects.filter(is_active=True).first()
    if baseline is None:
        baseline = Baseline.objects.create(
            key=f"{PREFIX}baseline", name="Syntetisk baseline", is_active=True, frozen_at=start_at
        )
        writer.add(Baseline, {f: getattr(baseline, f) for f in _fields(Baseline)}, start_at, "+")
    BaselineEntry.objects.bulk_create(
        [
            BaselineEntry(baseline=baseline, milestone=m, date=first)
            for m, (first, _events) in zip(milestones, timelines, strict=True)
        ],
        batch_size=BATCH,
    )


def _dependencies_write(scale: Scale, activities, milestones, *, writer, start_at) -> list:
    """Each milestone on the one before it, and each activity's first milestone on the
    last milestone of an earlier activity."""
    per = scale.milestones_per_activity
    pairs = []
    for a_index in range(len(activities)):
        base = a_index * per
        pairs += [(milestones[base + j - 1], milestones[base + j]) for j in range(1, per)]
        if a_index >= 7:
            pairs.append((milestones[(a_index - 7) * per + per - 1], milestones[base]))
    dependencies = Dependency.objects.bulk_create(
        [Dependency(predecessor=p, successor=s) for p, s in pairs], batch_size=BATCH
    )
    dependency_fields = _fields(Dependency)
    for d in dependencies:
        writer.add(Dependency, {f: getattr(d, f) for f in dependency_fields}, start_at, "+")
    return dependencies


def _rounds_generate(*, rng, scale, today, activities, generator, writer) -> dict:
    """Rounds for the last months, an obligation and (mostly) an update per activity in each."""
    current = today.replace(day=1)
    periods = [add_months(current, -k) for k in range(scale.rounds - 1, -1, -1)]
    rounds, new_rounds = _rounds_write(periods, generator=generator, writer=writer)

    obligation_fields = _fields(RoundObligation)
    update_fields = _fields(ProgressUpdate)
    S = ProgressUpdate.Status
    obligations, updates, update_plans = [], [], []
    for r in rounds:
        is_current = r.period == current
        for activity in activities:
            obligations.append(
                RoundObligation(round=r, party_id=activity.responsible_party_id, activity=activity)
            )
            roll = rng.random()
            if is_current:
                status = S.SUBMITTED if roll < 0.4 else S.DRAFT if roll < 0.6 else None
            else:
                status = S.ACCEPTED if roll < 0.9 else S.SUBMITTED if roll < 0.95 else S.RETURNED
            if status is None:
                continue
            help_needed = (
                f"Afklaring af afhængighed til system {rng.randint(100, 999)} ønskes."
                if rng.random() < 0.05
                else ""
            )
            risks = "Leverandørens releaseplan kan forsinke test." if rng.random() < 0.1 else ""
            submitted = status != S.DRAFT
            updates.append(
                ProgressUpdate(
                    round=r,
                    party_id=activity.responsible_party_id,
                    activity=activity,
                    status=status,
                    narrative="Arbejdet skrider frem efter planen (syntetisk).",
                    self_rag=rng.choice(["green", "green", "yellow", "red"]),
                    percent_complete=rng.randint(0, 100),
                    help_needed=help_needed,
                    risks=risks,
                    submitted_at=_moment(r.opens_on + datetime.timedelta(days=4))
                    if submitted
                    else None,
                    version={S.DRAFT: 1, S.SUBMITTED: 2}.get(status, 3),
                )
            )
            update_plans.append(r.opens_on)
    obligations = RoundObligation.objects.bulk_create(obligations, batch_size=BATCH)
    for o in obligations:
        writer.add(
            RoundObligation,
            {f: getattr(o, f) for f in obligation_fields},
            _moment(o.round.opens_on, 6),
            "+",
        )
    updates = ProgressUpdate.objects.bulk_create(updates, batch_size=BATCH)
    for u, opens_on in zip(updates, update_plans, strict=True):
        values = {f: getattr(u, f) for f in update_fields}
        final = values["status"]
        steps = (
            [S.DRAFT]
            + ([S.SUBMITTED] if final != S.DRAFT else [])
            + ([final] if final in (S.ACCEPTED, S.RETURNED) else [])
        )
        for version, status in enumerate(steps, start=1):
            values.update(status=status, version=version)
            if status == S.DRAFT:
                values["submitted_at"] = None
            else:
                values["submitted_at"] = u.submitted_at
            writer.add(
                ProgressUpdate,
                dict(values),
                _moment(opens_on + datetime.timedelta(days=2 * version), 12),
                "+" if version == 1 else "~",
            )
    return {
        "runder": len(new_rounds),
        "rapporteringspligter": len(obligations),
        "statusopdateringer": len(updates),
    }


def _rounds_write(periods, *, generator, writer) -> tuple[list, list]:
    """The reporting rounds of `periods` (existing ones are reused); returns (all, new)."""
    existing = {r.period: r for r in ReportingRound.objects.filter(period__in=periods)}
    new_rounds = [
        ReportingRound(
            period=p,
            opens_on=p,
            due_on=p + datetime.timedelta(days=9),
            created_by=generator,
        )
        for p in periods
        if p not in existing
    ]
    ReportingRound.objects.bulk_create(new_rounds)
    round_fields = _fields(ReportingRound)
    for r in new_rounds:
        writer.add(
            ReportingRound, {f: getattr(r, f) for f in round_fields}, _moment(r.opens_on, 6), "+"
        )
    rounds = sorted([*existing.values(), *new_rounds], key=lambda r: r.period)
    return rounds, new_rounds
