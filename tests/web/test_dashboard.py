"""The dashboard: signed-in users only, honest about what exists yet."""

import pytest

from tests.factories import UserFactory


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_the_login_page(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_it_renders_for_a_signed_in_user(user_client, user):
    response = user_client.get("/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Welcome, {user.username}" in html
    for title in ("My assessments", "Surveys about me", "My persona", "API keys"):
        assert title in html
    assert 'href="/accounts/profile/"' in html
    # The logout link is a POST form, not a GET link.
    assert 'method="post" action="/accounts/logout/"' in html
    assert "/admin/" not in html
    assert "/healthz" not in html


@pytest.mark.django_db
def test_staff_see_links_to_the_admin_and_the_health_check(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    html = client.get("/dashboard/").content.decode()

    assert 'href="/admin/"' in html
    assert 'href="/healthz"' in html


def test_the_bundled_demo_model_is_labelled_demo_quality(user_client, settings):
    settings.LLM_BASE_URL = ""  # the embedded SmolLM2 server

    page = user_client.get("/dashboard/").content.decode()

    assert "demo quality" in page
    assert "SmolLM2" in page


def test_a_configured_production_model_is_not_labelled_demo(user_client, settings):
    settings.LLM_BASE_URL = "https://llm.example.com/v1"
    settings.LLM_MODEL = "big-model-2026"

    page = user_client.get("/dashboard/").content.decode()

    assert "demo quality" not in page
    assert "big-model-2026" in page
