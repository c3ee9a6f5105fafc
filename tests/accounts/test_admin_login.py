import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_login_redirects_to_the_site_login(client):
    response = client.get("/admin/login/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_posting_a_password_to_the_admin_login_is_not_possible(client):
    admin = UserFactory(is_staff=True, is_superuser=True)

    response = client.post("/admin/login/", {"username": admin.username, "password": "anything"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_admin_pages_send_anonymous_visitors_to_the_site_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == 200


def test_a_staff_user_logged_in_through_allauth_reaches_the_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/apikey/").status_code == 200


def test_a_staff_user_who_logs_in_from_the_admin_ends_up_in_the_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    login_page = client.get("/admin/", follow=True).redirect_chain[-1][0]

    response = client.post(login_page, {"login": admin.email, "password": DEFAULT_PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200
