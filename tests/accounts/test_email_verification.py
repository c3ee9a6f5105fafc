import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-91"


def _confirmation_path(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture
def signed_up(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    return _confirmation_path(mailoutbox[0])


def test_the_confirmation_link_shows_a_confirm_button(client, signed_up):
    response = client.get(signed_up)

    assert response.status_code == 200
    html = response.content.decode()
    assert "ada@example.com" in html
    assert "Confirm</button>" in html


def test_confirming_the_link_verifies_the_address(client, signed_up):
    response = client.post(signed_up)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="ada@example.com").verified


def test_a_made_up_confirmation_link_says_it_is_not_valid(client):
    response = client.get(reverse("account_confirm_email", args=["not-a-real-key"]))

    assert response.status_code == 200
    assert "expired or is not valid" in response.content.decode()
