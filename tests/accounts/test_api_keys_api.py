import pytest
from django.urls import reverse

from accounts import services
from accounts.models import ApiKey
from tests.accounts.conftest import api_key_header

pytestmark = pytest.mark.django_db

LIST = reverse("api:api-key-list")


def test_the_api_key_endpoints_live_where_documented():
    assert LIST == "/api/v1/api-keys/"


def test_creating_a_key_returns_it_once(api_client, user):
    api_client.force_authenticate(user)

    response = api_client.post(LIST, {"name": "ci"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "ci"
    assert body["is_active"] is True
    assert body["key"].startswith(f"pk_{body['prefix']}_")
    assert services.api_key_authenticate(body["key"]) == user
    listed = api_client.get(LIST).json()["results"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "key" not in listed[0]
    assert "hashed_key" not in listed[0]


def test_a_key_cannot_create_another_key(api_client, user, raw_key):
    # A key made by a key would outlive the revocation of its parent.
    response = api_client.post(LIST, {"name": "second"}, format="json", **api_key_header(raw_key))

    assert response.status_code == 403
    assert "signed in" in response.json()["detail"]
    assert ApiKey.objects.filter(user=user).count() == 1


def test_a_key_can_still_list_and_revoke_keys(api_client, user, raw_key):
    other, _ = services.api_key_create(user=user, name="other")

    listed = api_client.get(LIST, **api_key_header(raw_key))
    revoked = api_client.delete(f"{LIST}{other.pk}/", **api_key_header(raw_key))

    assert listed.status_code == 200 and len(listed.json()["results"]) == 2
    assert revoked.status_code == 204


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}])
def test_creating_a_key_with_a_bad_name_is_400_with_field_errors(api_client, user, payload):
    api_client.force_authenticate(user)

    response = api_client.post(LIST, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Some fields are invalid."
    assert "name" in body["errors"]
    assert not ApiKey.objects.exists()


def test_listing_keys_shows_status_and_last_use(api_client, user):
    active, _ = services.api_key_create(user=user, name="active")
    revoked, _ = services.api_key_create(user=user, name="revoked")
    services.api_key_revoke(api_key=revoked)
    api_client.force_authenticate(user)

    body = api_client.get(LIST).json()

    assert body["count"] == 2
    by_name = {item["name"]: item for item in body["results"]}
    assert by_name["active"]["is_active"] is True
    assert by_name["active"]["revoked_at"] is None
    assert by_name["revoked"]["is_active"] is False
    assert by_name["revoked"]["revoked_at"] is not None
    assert set(by_name["active"]) == {
        "id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active",
    }  # fmt: skip


def test_deleting_a_key_revokes_it(api_client, user, api_key_and_secret):
    api_key, raw_key = api_key_and_secret
    api_client.force_authenticate(user)

    response = api_client.delete(reverse("api:api-key-detail", args=[api_key.pk]))

    assert response.status_code == 204
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/me", **api_key_header(raw_key)).status_code == 401


def test_a_key_can_revoke_itself(api_client, api_key_and_secret):
    api_key, raw_key = api_key_and_secret

    response = api_client.delete(reverse("api:api-key-detail", args=[api_key.pk]), **api_key_header(raw_key))

    assert response.status_code == 204
    assert api_client.get(LIST, **api_key_header(raw_key)).status_code == 401


def test_the_key_endpoints_need_authentication(api_client, api_key_and_secret):
    api_key, _ = api_key_and_secret

    assert api_client.get(LIST).status_code == 401
    assert api_client.post(LIST, {"name": "x"}, format="json").status_code == 401
    assert api_client.delete(reverse("api:api-key-detail", args=[api_key.pk])).status_code == 401
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None
