"""The public landing page."""

import pytest


@pytest.mark.django_db
def test_it_renders_for_anonymous_users_with_signup_and_login_links(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/accounts/signup/"' in html
    assert 'href="/accounts/login/"' in html
    assert "360° surveys" in html
    assert "<title>Personai — personality, explained</title>" in html


def test_it_sends_signed_in_users_to_their_dashboard(user_client):
    response = user_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
