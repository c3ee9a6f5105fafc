"""A verified API key is remembered by the process for a few seconds; revocation still works."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey
from tests.accounts.conftest import api_key_header

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture(autouse=True)
def empty_cache(settings):
    settings.API_KEY_CACHE_SECONDS = 5  # opt-in (default 0): these tests are about the cache
    services.api_key_cache_clear()
    yield
    services.api_key_cache_clear()


def test_a_key_used_again_soon_costs_no_query(api_client, raw_key):
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    with CaptureQueriesContext(connection) as context:
        assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    assert not [q for q in context.captured_queries if "accounts_apikey" in q["sql"]]


def test_a_key_revoked_in_this_process_is_refused_at_once(api_client, api_key_and_secret):
    api_key, raw_key = api_key_and_secret
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    services.api_key_revoke(api_key=api_key)

    response = api_client.get(ME, **api_key_header(raw_key))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_deactivated_owner_is_refused_at_once(api_client, user, raw_key):
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    user.is_active = False
    user.save()

    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 401


def test_a_key_revoked_by_another_process_is_refused_once_the_cache_expires(
    api_client, api_key_and_secret, monkeypatch, settings
):
    api_key, raw_key = api_key_and_secret
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200
    # Another process revokes it: no signal reaches this one.
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    now = services.time.monotonic()

    monkeypatch.setattr(services.time, "monotonic", lambda: now + settings.API_KEY_CACHE_SECONDS + 0.1)

    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 401


def test_with_the_cache_off_every_request_checks_the_key(api_client, api_key_and_secret, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    api_key, raw_key = api_key_and_secret
    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 200

    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())

    assert api_client.get(ME, **api_key_header(raw_key)).status_code == 401
