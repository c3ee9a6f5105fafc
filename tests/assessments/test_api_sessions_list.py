"""GET /api/v1/sessions/: my sessions, paginated, filterable by status."""

import pytest

from tests.assessments.factories import import_api_instrument, scored_session, self_session

pytestmark = pytest.mark.django_db

URL = "/api/v1/sessions/"


def test_it_lists_only_my_sessions_newest_first(api_client, user, other_user):
    version = import_api_instrument()
    older = self_session(user, version)
    newer = self_session(user, version)
    self_session(other_user, version)
    api_client.force_login(user)

    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [str(newer.pk), str(older.pk)]
    row = body["results"][0]
    assert row["status"] == "in_progress"
    assert row["respondent_kind"] == "self"
    assert row["questionnaire"] == {"slug": "api-check", "version": 1, "title": "API check"}
    assert set(row) >= {"started_at", "updated_at", "submitted_at", "scored_at", "locale", "subject"}


def test_it_filters_by_status(api_client, user):
    version = import_api_instrument()
    open_session = self_session(user, version)
    scored = scored_session(user, version)
    api_client.force_login(user)

    in_progress = api_client.get(URL, {"status": "in_progress"}).json()
    done = api_client.get(URL, {"status": "scored"}).json()

    assert [row["id"] for row in in_progress["results"]] == [str(open_session.pk)]
    assert [row["id"] for row in done["results"]] == [str(scored.pk)]


def test_an_unknown_status_is_a_400(api_client, user):
    api_client.force_login(user)

    response = api_client.get(URL, {"status": "finished"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_it_paginates_with_limit_and_offset(api_client, user):
    version = import_api_instrument()
    for _ in range(3):
        self_session(user, version)
    api_client.force_login(user)

    body = api_client.get(URL, {"limit": 2, "offset": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 1
    assert body["previous"] is not None
