"""Synthetic register entries for the bench's large programme (5,000 entries with plans,
steps and state history), written in bulk with their history rows backdated over
`months`, so the burn-down and the readiness page have a realistic past.

The synthetic generator calls `register_synthetic_generate` after its parties exist;
everything written has keys starting with `prefix`, so the generator's clean-up finds it.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from milestones.models import DatePrecision
from parties.models import Party

from .models import Entry, ShakState, Step
from .readiness import entries_rate

STATES = list(ShakState.values)
REASON = "Syntetiske data"


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _first(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    return datetime.date(day.year + index // 12, index % 12 + 1, 1)


def _history_row(model, obj, *, when, kind, user, values=None):
    fields = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    fields.update(values or {})
    return model.history.model(
        **fields,
        history_date=when,
        history_type=kind,
        history_user_id=user.pk,
        history_change_reason=REASON,
    )


@transaction.atomic
def register_synthetic_generate(
    *,
    count: int,
    owners: list[Party],
    by,
    today: datetime.date | None = None,
    months: int = 24,
    seed: int = 2026,
    prefix: str = "syn-",
) -> dict[str, int]:
    """Write `count` entries owned by `owners` in turn, each with three steps and one to
    three state moves in history. Returns what was written."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = _first(today.replace(day=1), -months)
    span = max(1, (today - start).days)
    entries, paths = [], []
    for i in range(count):
        final = rng.choice(STATES)
        path = [s for s in STATES[: STATES.index(final) + 1] if rng.random() < 0.6 or s == final]
        born = start + datetime.timedelta(days=rng.randint(0, span // 2))
        moves = sorted(
            born + datetime.timedelta(days=rng.randint(1, max(1, (today - born).days)))
            for _ in path
        )
        entry = Entry(
            key=f"{prefix}post-{i:05d}",
            name=f"Syntetisk system {i:05d}",
            kind=rng.choice(Entry.Kind.values),
            category=rng.choice(Entry.Category.values),
            owner=owners[i % len(owners)],
            criticality=rng.choice(Entry.Criticality.values),
            state=final,
            solution_description="Syntetisk plan.",
        )
        if final in (ShakState.SOR_ONLY, ShakState.RETIRED):
            entry.state_date, entry.state_date_precision = moves[-1], DatePrecision.DAY
            entry.state_confirmed_by = "Syntetisk"
        entries.append(entry)
        paths.append((born, list(zip(path, moves, strict=True))))
    Entry.objects.bulk_create(entries, batch_size=1000)
    history = []
    steps = []
    for entry, (born, moves) in zip(entries, paths, strict=True):
        history.append(
            _history_row(
                Entry,
                entry,
                when=_moment(born),
                kind="+",
                user=by,
                values={
                    "state": ShakState.NOT_MAPPED,
                    "state_date": None,
                    "state_confirmed_by": "",
                },
            )
        )
        for state, day in moves:
            history.append(
                _history_row(
                    Entry,
                    entry,
                    when=_moment(day),
                    kind="~",
                    user=by,
                    values={}
                    if state == entry.state
                    else {"state": state, "state_date": None, "state_confirmed_by": ""},
                )
            )
        base = _first(today.replace(day=1), rng.randint(-6, 18))
        for n, kind in enumerate(Step.Kind.values):
            baseline = _first(base, 2 * n)
            step = Step(
                entry=entry,
                kind=kind,
                baseline_date=baseline,
                baseline_precision=DatePrecision.MONTH,
                forecast_date=_first(baseline, rng.choice([0, 0, 1, 2, 4, 7])),
                forecast_precision=DatePrecision.MONTH,
            )
            if entry.state in (ShakState.SOR_ONLY, ShakState.RETIRED):
                step.actual_date, step.actual_precision = entry.state_date, DatePrecision.DAY
            steps.append(step)
    Entry.history.model.objects.bulk_create(history, batch_size=2000)
    Step.objects.bulk_create(steps, batch_size=2000)
    Step.history.model.objects.bulk_create(
        [_history_row(Step, s, when=_moment(start), kind="+", user=by) for s in steps],
        batch_size=2000,
    )
    # Written around history: the materialised readiness is rated here.
    entries_rate([e.pk for e in entries])
    return {"register_entries": len(entries), "register_steps": len(steps)}
