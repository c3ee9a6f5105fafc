import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_has_labelled_fields_and_a_reset_link(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_login"' in html
    assert '<label for="id_password"' in html
    assert reverse("account_reset_password") in html


def test_login_with_email_and_password_works(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_ignores_the_case_of_the_email(client, user):
    client.post(reverse("account_login"), {"login": user.email.upper(), "password": DEFAULT_PASSWORD})

    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert "not correct" in html


def test_an_inactive_user_cannot_log_in_and_is_told_why(client):
    user = UserFactory(is_active=False)

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("account_inactive")
    assert "This account is deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session
