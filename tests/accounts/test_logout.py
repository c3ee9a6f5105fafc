import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_logout_by_get_only_asks_for_confirmation(user_client):
    response = user_client.get(reverse("account_logout"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html
    assert "Log out</button>" in html
    assert "_auth_user_id" in user_client.session


def test_logout_via_post_works(user_client):
    response = user_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" not in user_client.session
    assert user_client.get(reverse("account_profile")).status_code == 302
