import copy

import pytest
from django.core.cache import cache

from .oidc import provider_settings, provider_start


@pytest.fixture(scope="session")
def oidc_issuer(live_server):
    """A real OpenID Connect provider process for the whole session; its issuer URL.
    It accepts the live server's and the test client's callback."""
    process, issuer = provider_start([live_server.url, "http://testserver"])
    try:
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc_settings(settings, oidc_issuer):
    """sorplan configured with the test provider (as SORPLAN_OIDC_PROVIDERS would)."""
    cache.clear()
    settings.SORPLAN_OIDC_PROVIDERS = provider_settings(oidc_issuer)
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(oidc_issuer)  # as SORPLAN_OIDC_ORIGINS
    settings.CONTENT_SECURITY_POLICY = policy
    return settings
