import pytest
from django.test import Client

from api.tokens import token_create


@pytest.fixture
def api_client():
    """api_client(user, scope="read") -> (client, token text): a client sending the
    user's new token on every request."""

    def make(user, scope="read", days=30):
        _token, text = token_create(user=user, name="Test", scope=scope, days=days)
        return Client(headers={"Authorization": f"Bearer {text}"}), text

    return make


# MedCom's matrix: two suppliers with a system each, two message types, eight rows.
from tests.medcom.conftest import (  # noqa: E402, F401
    certifier_access,
    message_types,
    reporter_a,
    reporter_b,
    rows,
    suppliers,
    systems,
)
