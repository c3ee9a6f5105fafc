import re

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-for-2026"


def _reset_path(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_the_reset_request_page_has_a_labelled_email_field(client):
    response = client.get(reverse("account_reset_password"))

    assert response.status_code == 200
    assert '<label for="id_email"' in response.content.decode()


def test_requesting_a_reset_mails_a_link_and_shows_the_done_page(client, user, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": user.email}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_reset_password_done")
    assert "Check your inbox" in response.content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert mailoutbox[0].subject.startswith("[Personai]")


def test_the_emailed_link_lets_you_set_a_new_password_and_log_in(client, user, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = _reset_path(mailoutbox[0])

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link

    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)

    assert done.redirect_chain[-1][0] == reverse("account_reset_password_from_key_done")
    assert "Your password is changed" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(DEFAULT_PASSWORD)


def test_a_broken_reset_link_says_so(client, user):
    response = client.get("/accounts/password/reset/key/1-not-a-valid-token/", follow=True)

    assert response.status_code == 200
    assert "This link is not valid" in response.content.decode()
