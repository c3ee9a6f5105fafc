"""accounts.backends: the signed-in user read in one prepared statement, sign-in unchanged."""

import uuid

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, authenticate
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import selectors
from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_in_as(client, user, backend_path: str) -> None:
    """A session as `login()` leaves it, naming `backend_path`."""
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend_path
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()


def test_the_user_read_is_the_one_the_orm_reads(user):
    UserFactory()

    with CaptureQueriesContext(connection) as context:
        read = selectors.user_by_id(user.pk)

    assert len(context.captured_queries) == 1
    expected = User.objects.get(pk=user.pk)
    assert model_to_dict(read) == model_to_dict(expected)
    assert (read.password, read.date_joined, read.last_login) == (
        expected.password,
        expected.date_joined,
        expected.last_login,
    )
    assert read._state.adding is False and read._state.db == "default"
    assert selectors.user_by_id(uuid.uuid4()) is None


def test_signing_in_on_the_site_names_the_new_backend(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})

    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.AuthenticationBackend"
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize(
    "backend_path",
    [
        "accounts.backends.AuthenticationBackend",
        "accounts.backends.ModelBackend",
        # Sessions signed in before accounts.backends existed.
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_a_session_naming_any_listed_backend_stays_signed_in(client, user, backend_path):
    _sign_in_as(client, user, backend_path)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_a_session_naming_a_backend_no_longer_listed_is_signed_out(client, user):
    _sign_in_as(client, user, "django.contrib.auth.backends.RemoteUserBackend")

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_deactivated_or_deleted_user_is_signed_out(client, user):
    _sign_in_as(client, user, "accounts.backends.AuthenticationBackend")
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert client.get(reverse("dashboard")).status_code == 302

    other = UserFactory()
    _sign_in_as(client, other, "accounts.backends.AuthenticationBackend")
    other.delete()

    assert client.get(reverse("dashboard")).status_code == 302


def test_a_changed_password_signs_other_sessions_out(client, user):
    _sign_in_as(client, user, "accounts.backends.AuthenticationBackend")
    user.set_password("a-brand-new-password-42")
    user.save()

    assert client.get(reverse("dashboard")).status_code == 302


def test_a_failed_sign_in_checks_the_password_once_and_is_reported(monkeypatch, rf, user):
    """The legacy entries after accounts.backends are the same checks: they are not tried."""
    checked = []
    original = User.check_password

    def counting_check_password(self, raw_password):
        checked.append(raw_password)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting_check_password)
    failures = []

    def on_failure(sender, credentials, request, **kwargs):
        failures.append(credentials)

    user_login_failed.connect(on_failure)
    try:
        by_email = authenticate(rf.get("/"), email=user.email, password="wrong-password")
        by_username = authenticate(rf.get("/"), username=user.username, password="wrong-password")
    finally:
        user_login_failed.disconnect(on_failure)

    assert by_email is None and by_username is None
    assert checked == ["wrong-password", "wrong-password"]
    assert len(failures) == 2


def test_a_username_and_password_still_sign_in_through_djangos_check(rf, user):
    signed_in = authenticate(rf.get("/"), username=user.username, password=DEFAULT_PASSWORD)

    assert signed_in == user
    assert signed_in.backend == "accounts.backends.ModelBackend"
