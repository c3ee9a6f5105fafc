import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

MESSAGE = "Too many attempts, try again in a few minutes"


def _allowed_failures() -> int:
    """How many wrong passwords in a row the configured limit lets through."""
    return min(rate.amount for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"]))


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_the_limit_is_kept_in_the_shared_redis_cache():
    # Counters in a per-process cache would let every web worker allow its own attempts.
    assert isinstance(caches["default"], RedisCache)


def test_wrong_passwords_up_to_the_limit_get_the_form_back(client, user):
    for _ in range(_allowed_failures()):
        response = _login(client, user.email, "wrong-password")
        assert response.status_code == 200


def test_too_many_wrong_passwords_get_a_429_page_with_a_clear_message(client, user):
    for _ in range(_allowed_failures()):
        _login(client, user.email, "wrong-password")

    response = _login(client, user.email, "wrong-password")

    assert response.status_code == 429
    assert MESSAGE in response.content.decode()
    assert "Too many attempts · Personai" in response.content.decode()


def test_the_right_password_is_refused_too_while_limited(client, user):
    for _ in range(_allowed_failures()):
        _login(client, user.email, "wrong-password")

    response = _login(client, user.email, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_limit_follows_the_account_to_another_address(client, user):
    for _ in range(_allowed_failures()):
        _login(client, user.email, "wrong-password")

    response = _login(Client(REMOTE_ADDR="203.0.113.7"), user.email, DEFAULT_PASSWORD)

    assert response.status_code == 429


def test_a_successful_login_does_not_count_against_the_limit(client, user):
    for _ in range(_allowed_failures() + 2):
        response = _login(client, user.email, DEFAULT_PASSWORD)
        assert response.status_code == 302
        client.post(reverse("account_logout"))
