"""Synthetic MedCom matrix for the bench's programme: `suppliers` IT suppliers (parties
of kind IT supplier under "It-leverandører"), one system each in the register, and
`message_types` message types; each system sends and receives a share of them, each
row with one to five backdated state moves in history (so the progress chart has a
past). Everything written has keys starting with `prefix`, so the clean-up finds it.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from milestones.models import DatePrecision
from parties.models import Party
from register.models import Entry, ShakState

from .models import STATE_DATE_FIELD, Certification, CertState, Family, MessageType

REASON = "Syntetiske data"
PATH = [
    CertState.IN_DEVELOPMENT,
    CertState.READY_FOR_TEST,
    CertState.IN_TEST,
    CertState.CERTIFIED,
    CertState.IN_PRODUCTION,
]
# The share of message types each system sends and receives.
SHARE = 0.35


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(11, 0)))


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
def medcom_synthetic_generate(
    *,
    suppliers: int,
    message_types: int,
    owners: list[Party],
    by,
    today: datetime.date | None = None,
    months: int = 24,
    seed: int = 2612,
    prefix: str = "syn-",
) -> dict[str, int]:
    """Write the suppliers, their systems, the message types and the rows in bulk, with
    their history rows. Returns what was written."""
    if not suppliers or not message_types:
        return {}
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = _first(today.replace(day=1), -months)
    span = max(1, (today - start).days)
    group = Party.objects.filter(key="it-leverandoerer").first()
    parties = Party.objects.bulk_create(
        [
            Party(
                key=f"{prefix}leverandoer-{i:03d}",
                name=f"Syntetisk leverandør {i:03d}",
                short_name=f"SL{i:03d}",
                kind=Party.Kind.IT_SUPPLIER,
                side=Party.Side.EXTERNAL,
                coordinator=group,
            )
            for i in range(suppliers)
        ]
    )
    Party.history.model.objects.bulk_create(
        [_history_row(Party, p, when=_moment(start), kind="+", user=by) for p in parties]
    )
    entries = Entry.objects.bulk_create(
        [
            Entry(
                key=f"{prefix}medcom-system-{i:03d}",
                name=f"Syntetisk leverandørsystem {i:03d}",
                kind=Entry.Kind.SYSTEM,
                owner=owners[i % len(owners)],
                supplier=supplier,
                state=ShakState.SHAK_AND_SOR,
            )
            for i, supplier in enumerate(parties)
        ]
    )
    Entry.history.model.objects.bulk_create(
        [_history_row(Entry, e, when=_moment(start), kind="+", user=by) for e in entries]
    )
    families = Family.values
    types = MessageType.objects.bulk_create(
        [
            MessageType(
                key=f"{prefix}mt-{i:03d}",
                code=f"SYN{i:03d}",
                name=f"Syntetisk meddelelsestype {i:03d}",
                family=families[i % len(families)],
                cutover_date=_first(today.replace(day=1), rng.randint(-12, 24)),
                cutover_precision=DatePrecision.MONTH,
            )
            for i in range(message_types)
        ]
    )
    MessageType.history.model.objects.bulk_create(
        [_history_row(MessageType, t, when=_moment(start), kind="+", user=by) for t in types]
    )
    rows, moves = [], []
    for entry in entries:
        for message_type in rng.sample(types, k=max(1, int(len(types) * SHARE))):
            for direction in ("sends", "receives"):
                final = rng.randint(0, len(PATH))
                path = PATH[:final]
                if path and rng.random() < 0.08:
                    path = [*path[: min(len(path), 3)], CertState.REJECTED]
                born = start + datetime.timedelta(days=rng.randint(0, span // 2))
                days = sorted(
                    born + datetime.timedelta(days=rng.randint(1, max(1, (today - born).days)))
                    for _ in path
                )
                row = Certification(
                    entry=entry,
                    message_type=message_type,
                    direction=direction,
                    planned_production_date=_first(
                        message_type.cutover_date, rng.choice([-1, 0, 2])
                    ),
                    planned_production_precision=DatePrecision.MONTH,
                )
                for state, day in zip(path, days, strict=True):
                    row.state = state
                    setattr(row, STATE_DATE_FIELD[state], day)
                if row.state == CertState.REJECTED:
                    row.rejection_reason = "Syntetisk afvisning."
                row.version = len(path) + 1
                rows.append(row)
                moves.append((born, list(zip(path, days, strict=True))))
    Certification.objects.bulk_create(rows, batch_size=2000)
    history = []
    for row, (born, path) in zip(rows, moves, strict=True):
        blank = {name: None for name in STATE_DATE_FIELD.values()}
        history.append(
            _history_row(
                Certification,
                row,
                when=_moment(born),
                kind="+",
                user=by,
                values={
                    **blank,
                    "state": CertState.NOT_STARTED,
                    "rejection_reason": "",
                    "version": 1,
                },
            )
        )
        seen = {}
        for n, (state, day) in enumerate(path, start=2):
            seen[STATE_DATE_FIELD[state]] = day
            history.append(
                _history_row(
                    Certification,
                    row,
                    when=_moment(day),
                    kind="~",
                    user=by,
                    values={**blank, **seen, "state": state, "version": n},
                )
            )
    Certification.history.model.objects.bulk_create(history, batch_size=5000)
    return {
        "medcom_suppliers": len(parties),
        "medcom_message_types": len(types),
        "medcom_rows": len(rows),
    }
