"""The admin index has one section per app: allauth's and Django's account models sit in Accounts."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _sections(response) -> dict[str, list[str]]:
    return {
        app["app_label"]: [m["object_name"] for m in app["models"]] for app in response.context["app_list"]
    }


def test_the_admin_index_has_one_section_per_app(staff_client):
    response = staff_client.get("/admin/")

    sections = _sections(response)
    assert "account" not in sections and "auth" not in sections
    assert {"User", "ApiKey", "EmailAddress", "Group"} <= set(sections["accounts"])
    names = [app["name"] for app in response.context["app_list"]]
    assert len(names) == len(set(names)), names  # no two sections with the same title
    assert "Authentication and Authorization" not in response.content.decode()


def test_the_section_url_of_a_merged_app_shows_the_accounts_section(staff_client):
    response = staff_client.get("/admin/auth/")

    assert response.status_code == 200
    assert set(_sections(response)) == {"accounts"}


def test_other_sections_are_unchanged(staff_client):
    response = staff_client.get("/admin/questionnaires/")

    assert set(_sections(response)) == {"questionnaires"}
    assert "QuestionnaireVersion" in _sections(response)["questionnaires"]


def test_the_admin_index_needs_staff(client):
    client.force_login(UserFactory())

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
