import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-91"


def _signup(client, **overrides):
    data = {
        "email": "ada@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def test_the_signup_page_has_labelled_fields(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    html = response.content.decode()
    for field in ["email", "password1", "password2"]:
        assert f'<label for="id_{field}"' in html
    assert 'name="username"' not in html  # e-mail and password only
    assert "Create an account" in html


def test_signup_creates_a_user_and_sends_a_verification_mail(client, mailoutbox):
    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="ada@example.com")
    assert user.username == "ada"
    assert user.check_password(PASSWORD)
    assert not EmailAddress.objects.get(user=user, email="ada@example.com").verified
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ada@example.com"]
    assert mail.subject.startswith("[Personai]")
    assert "/accounts/confirm-email/" in mail.body


def test_signup_logs_the_new_user_in(client):
    _signup(client)

    response = client.get(reverse("account_profile"))

    assert response.status_code == 200
    assert "ada@example.com" in response.content.decode()


def test_signup_refuses_mismatched_passwords_with_a_message(client, mailoutbox):
    response = _signup(client, password2="something-else-entirely-77")

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not User.objects.filter(email="ada@example.com").exists()
    assert mailoutbox == []


def test_the_username_is_derived_from_the_address(client):
    _signup(client, email="grace.hopper@example.com")

    assert User.objects.get(email="grace.hopper@example.com").username == "grace.hopper"


def test_a_derived_username_never_clashes_with_one_in_another_case(client):
    UserFactory(username="ADA", email="someone@example.org")

    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="ada@example.com")
    assert user.username.lower() != "ada"
    assert user.username.lower().startswith("ada")


def test_a_username_sent_anyway_is_ignored(client):
    _signup(client, username="chosen")

    assert User.objects.get(email="ada@example.com").username == "ada"


def test_signup_refuses_an_address_taken_in_another_case(client, user):
    response = _signup(client, email=user.email.upper())

    assert response.status_code == 200
    assert User.objects.filter(email__iexact=user.email).count() == 1
