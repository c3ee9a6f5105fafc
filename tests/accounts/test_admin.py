import pytest

from accounts import services
from accounts.models import ApiKey, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-91"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_can_add_a_user_with_email_and_username(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "username": "newbie",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").check_password(PASSWORD)


def test_the_user_list_searches_by_email(admin_client, user, other_user):
    response = admin_client.get("/admin/accounts/user/", {"q": user.email})

    assert response.status_code == 200
    assert user.email in response.content.decode()
    assert other_user.email not in response.content.decode()


def test_the_key_admin_shows_the_hash_but_never_the_secret(admin_client, api_key_and_secret):
    api_key, raw_key = api_key_and_secret

    html = admin_client.get(f"/admin/accounts/apikey/{api_key.pk}/change/").content.decode()

    assert api_key.hashed_key in html
    assert raw_key not in html
    assert 'name="hashed_key"' not in html  # read-only: no input to set one


def test_keys_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get("/admin/accounts/apikey/add/").status_code == 403


def test_the_key_list_filters_by_revoked_and_searches_by_owner_email(admin_client, user, other_user):
    mine, _ = services.api_key_create(user=user, name="mine")
    theirs, _ = services.api_key_create(user=other_user, name="theirs")
    services.api_key_revoke(api_key=theirs)

    revoked = admin_client.get("/admin/accounts/apikey/", {"revoked": "yes"}).content.decode()
    by_email = admin_client.get("/admin/accounts/apikey/", {"q": user.email}).content.decode()

    assert theirs.prefix in revoked and mine.prefix not in revoked
    assert mine.prefix in by_email and theirs.prefix not in by_email


def test_the_revoke_action_revokes_the_selected_keys(admin_client, api_key_and_secret):
    api_key, raw_key = api_key_and_secret

    response = admin_client.post(
        "/admin/accounts/apikey/", {"action": "revoke_keys", "_selected_action": [str(api_key.pk)]}
    )

    assert response.status_code == 302
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None
    assert services.api_key_authenticate(raw_key) is None
