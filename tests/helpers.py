"""Plain helpers shared by the test folders, imported by name."""

from core.history import system_user_get
from parties.models import Party
from parties.services import membership_grant
from tests import factories


def member(username: str, party_key: str, role: str, **extra):
    """A user with `role` in the party with `party_key`, granted by the system user."""
    user = factories.UserFactory(username=username, **extra)
    membership_grant(
        user=user, party=Party.objects.get(key=party_key), role=role, by=system_user_get()
    )
    return user
