import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services

pytestmark = pytest.mark.django_db

PROFILE = reverse("account_profile")


def test_the_account_page_lives_at_accounts_profile():
    assert PROFILE == "/accounts/profile/"


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_shows_who_you_are_and_links_to_email_and_password_pages(user_client, user):
    response = user_client.get(PROFILE)

    assert response.status_code == 200
    html = response.content.decode()
    assert user.username in html
    assert user.email in html
    assert ">not confirmed</span>" in html
    assert reverse("account_email") in html
    assert reverse("account_change_password") in html
    assert '<label for="id_name"' in html
    assert "You have no API keys yet." in html


def test_it_says_when_the_email_is_confirmed(user_client, user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    html = user_client.get(PROFILE).content.decode()

    assert ">confirmed</span>" in html
    assert "not confirmed" not in html


def test_it_lists_keys_with_name_prefix_and_status(user_client, user):
    active, _ = services.api_key_create(user=user, name="laptop script")
    revoked, _ = services.api_key_create(user=user, name="old ci")
    services.api_key_revoke(api_key=revoked)

    html = user_client.get(PROFILE).content.decode()

    assert "laptop script" in html
    assert f"pk_{active.prefix}_…" in html
    assert "Never" in html
    assert "Revoked" in html
    assert reverse("account_api_key_revoke", args=[active.pk]) in html
    assert reverse("account_api_key_revoke", args=[revoked.pk]) not in html


def _queries_for_page_with(client, user, number_of_keys: int) -> int:
    for index in range(number_of_keys - user.api_keys.count()):
        services.api_key_create(user=user, name=f"key {index}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PROFILE)
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == number_of_keys + 1  # plus the header row
    return len(queries)


def test_the_page_costs_the_same_number_of_queries_for_1_or_10_keys(user_client, user):
    with_one = _queries_for_page_with(user_client, user, 1)
    with_ten = _queries_for_page_with(user_client, user, 10)

    assert with_one == with_ten


def test_it_shows_the_persona_type(user_client, user):
    user.persona_type = "Startup Founder"
    user.save(update_fields=["persona_type"])

    html = user_client.get(PROFILE).content.decode()

    assert "<dt>Persona type</dt>" in html
    assert "Startup Founder" in html
