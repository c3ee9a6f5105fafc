import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def primary_address(user):
    return EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def test_the_email_page_lists_addresses_with_their_state(user_client, user, primary_address):
    response = user_client.get(reverse("account_email"))

    assert response.status_code == 200
    html = response.content.decode()
    assert user.email in html
    assert "confirmed" in html
    assert "primary" in html
    assert 'name="action_primary"' in html
    assert '<label for="id_email"' in html  # the add-an-address form


def test_adding_an_address_sends_a_confirmation_mail(user_client, user, primary_address, mailoutbox):
    response = user_client.post(
        reverse("account_email"), {"action_add": "", "email": "second@example.com"}, follow=True
    )

    assert response.status_code == 200
    assert EmailAddress.objects.filter(user=user, email="second@example.com", verified=False).exists()
    assert [mail.to for mail in mailoutbox] == [["second@example.com"]]


def test_the_password_change_page_has_labelled_fields(user_client):
    response = user_client.get(reverse("account_change_password"))

    assert response.status_code == 200
    html = response.content.decode()
    for field in ["oldpassword", "password1", "password2"]:
        assert f'<label for="id_{field}"' in html
