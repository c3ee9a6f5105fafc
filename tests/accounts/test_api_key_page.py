"""Creating and revoking keys on the account page."""

import hashlib
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from accounts.models import ApiKey

pytestmark = pytest.mark.django_db

CREATE = reverse("account_api_key_create")
PROFILE = reverse("account_profile")


def _shown_key(response) -> str:
    match = re.search(r'<code id="new-api-key">(pk_[^<]+)</code>', response.content.decode())
    assert match, "the new key is not shown"
    return match.group(1)


def _every_row_as_text() -> str:
    """Every row of every table in the database, as PostgreSQL prints it, plus decoded sessions."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT t::text FROM "{table}" AS t')  # noqa: S608 - names from the catalog
            chunks.extend(row[0] for row in cursor.fetchall())
    # Session data is signed and compressed; decode it so a stored key could not hide there.
    chunks.extend(repr(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(chunks)


def test_creating_a_key_shows_it_once_in_a_notice_with_a_copy_button(user_client):
    response = user_client.post(CREATE, {"name": "laptop script"})

    assert response.status_code == 200
    html = response.content.decode()
    raw_key = _shown_key(response)
    assert 'class="notice"' in html
    assert 'data-copy="#new-api-key"' in html
    assert "only time it is shown" in html
    assert "no-store" in response["Cache-Control"]
    assert "created." in html  # the success message

    again = user_client.get(PROFILE)

    assert raw_key not in again.content.decode()
    assert raw_key.split("_")[1] in again.content.decode()  # the prefix is still listed


def test_the_database_holds_only_the_hash_of_a_created_key(user_client):
    raw_key = _shown_key(user_client.post(CREATE, {"name": "laptop script"}))

    api_key = ApiKey.objects.get()
    assert api_key.hashed_key == hashlib.sha256(raw_key.encode()).hexdigest()
    everything = _every_row_as_text()
    assert api_key.hashed_key in everything  # the dump does see the key's row...
    assert raw_key not in everything  # ...but neither the key
    assert raw_key.split("_", 2)[2] not in everything  # nor its secret part


def test_the_created_key_works_on_the_api(user_client, user, api_client):
    raw_key = _shown_key(user_client.post(CREATE, {"name": "laptop script"}))

    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the key a name"), ("   ", "Give the key a name"), ("x" * 101, "at most 100 characters")],
)
def test_a_bad_name_is_refused_with_a_message_next_to_the_field(user_client, name, message):
    response = user_client.post(CREATE, {"name": name})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert message in html
    assert 'id="new-api-key"' not in html
    assert not ApiKey.objects.exists()


def test_anonymous_visitors_cannot_create_keys(client):
    response = client.post(CREATE, {"name": "laptop script"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not ApiKey.objects.exists()


def test_revoking_asks_for_confirmation_first(user_client, api_key_and_secret):
    api_key, _ = api_key_and_secret
    url = reverse("account_api_key_revoke", args=[api_key.pk])

    response = user_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html
    assert "Revoke key</button>" in html
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None


def test_revoking_by_post_revokes_and_says_so(user_client, api_key_and_secret, api_client):
    api_key, raw_key = api_key_and_secret

    response = user_client.post(reverse("account_api_key_revoke", args=[api_key.pk]), follow=True)

    assert response.redirect_chain[-1][0] == PROFILE
    assert "revoked. It no longer works." in response.content.decode()
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None
    assert api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Api-Key {raw_key}").status_code == 401


def test_revoking_an_already_revoked_key_says_so(user_client, api_key_and_secret):
    api_key, _ = api_key_and_secret
    url = reverse("account_api_key_revoke", args=[api_key.pk])
    user_client.post(url)

    response = user_client.post(url, follow=True)

    assert "was already revoked" in response.content.decode()
