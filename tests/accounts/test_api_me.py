import pytest
from django.urls import reverse

from accounts import services
from tests.accounts.conftest import api_key_header
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def test_the_me_endpoint_lives_at_the_exact_path():
    assert reverse("api:me") == ME


def test_an_api_key_authenticates_the_me_endpoint(api_client, user, raw_key):
    response = api_client.get(ME, **api_key_header(raw_key))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.pk),
        "email": user.email,
        "username": user.username,
        "persona_type": "",
    }


def test_the_me_endpoint_shows_the_persona_type(api_client, user, raw_key):
    user.persona_type = "Startup Founder"
    user.save(update_fields=["persona_type"])

    response = api_client.get(ME, **api_key_header(raw_key))

    assert response.json()["persona_type"] == "Startup Founder"


def test_using_a_key_sets_last_used(api_client, api_key_and_secret):
    api_key, raw_key = api_key_and_secret

    api_client.get(ME, **api_key_header(raw_key))

    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_the_scheme_name_is_case_insensitive(api_client, user, raw_key):
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"api-key {raw_key}")

    assert response.status_code == 200


def test_a_revoked_key_gets_401_json_saying_revoked(api_client, api_key_and_secret):
    api_key, raw_key = api_key_and_secret
    services.api_key_revoke(api_key=api_key)

    response = api_client.get(ME, **api_key_header(raw_key))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "This API key has been revoked."}
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key garbage",
        "Api-Key pk_abcdefgh_" + "a" * 32,
        "Api-Key",
        "Api-Key two parts",
    ],
)
def test_a_garbage_key_gets_401_json(api_client, header):
    response = api_client.get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Invalid API key.")


def test_a_key_of_a_deactivated_account_gets_401(api_client):
    user = UserFactory()
    _, raw_key = services.api_key_create(user=user, name="old")
    user.is_active = False
    user.save()

    response = api_client.get(ME, **api_key_header(raw_key))

    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_no_authentication_gets_401_json(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Api-Key"


def test_another_authorization_scheme_is_left_to_the_other_authenticators(api_client):
    response = api_client.get(ME, HTTP_AUTHORIZATION="Bearer something")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_browser_session_authenticates_the_me_endpoint(client, user):
    client.force_login(user)

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_a_valid_key_wins_over_a_session_of_someone_else(client, other_user, user, raw_key):
    client.force_login(other_user)

    response = client.get(ME, **api_key_header(raw_key))

    assert response.json()["id"] == str(user.pk)
