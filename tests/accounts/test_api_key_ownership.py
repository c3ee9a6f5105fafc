"""Another user's API key does not exist for you: 404 on the page and in the API."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def someone_elses_key(other_user):
    api_key, _ = services.api_key_create(user=other_user, name="theirs")
    return api_key


def test_the_revoke_page_of_another_users_key_is_404(user_client, someone_elses_key):
    url = reverse("account_api_key_revoke", args=[someone_elses_key.pk])

    assert user_client.get(url).status_code == 404
    assert user_client.post(url).status_code == 404
    assert ApiKey.objects.get(pk=someone_elses_key.pk).revoked_at is None


def test_the_api_cannot_revoke_another_users_key(api_client, user, someone_elses_key):
    api_client.force_authenticate(user)

    response = api_client.delete(reverse("api:api-key-detail", args=[someone_elses_key.pk]))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert ApiKey.objects.get(pk=someone_elses_key.pk).revoked_at is None


def test_the_api_does_not_list_another_users_keys(api_client, user, someone_elses_key):
    services.api_key_create(user=user, name="mine")
    api_client.force_authenticate(user)

    response = api_client.get(reverse("api:api-key-list"))

    assert [key["name"] for key in response.json()["results"]] == ["mine"]


def test_the_account_page_does_not_list_another_users_keys(user_client, someone_elses_key):
    response = user_client.get(reverse("account_profile"))

    assert "theirs" not in response.content.decode()
    assert someone_elses_key.prefix not in response.content.decode()


def test_an_unknown_key_id_is_404(user_client):
    url = reverse("account_api_key_revoke", args=["00000000-0000-0000-0000-000000000000"])

    assert user_client.get(url).status_code == 404
