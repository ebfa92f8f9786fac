"""Writes on parties and people (the history helpers are in `core.history`)."""

from django.db import transaction

from core.history import upsert

from .models import Membership, Party


@transaction.atomic
def membership_grant(*, user, party: Party, role: str, by) -> Membership:
    """Give a person a role in a party (idempotent)."""
    membership, _ = upsert(
        Membership,
        lookup={"user": user, "party": party, "role": role},
        values={},
        user=by,
        reason="Rolle tildelt",
    )
    return membership
