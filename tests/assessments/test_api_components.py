"""GET /api/v1/sessions/{id}/components/: the audit trail behind every score."""

import pytest

from assessments import services
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session

pytestmark = pytest.mark.django_db


def test_it_lists_each_answers_contribution_in_item_order(api_client, user):
    session = scored_session(user, import_api_instrument(), VALID_ANSWERS)
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/sessions/{session.pk}/components/")

    assert response.status_code == 200
    body = response.json()
    assert body["run"]["status"] == "done"
    rows = [
        (c["item"], c["option"], c["dimension"], c["rule"], c["input"], c["contribution"])
        for c in body["components"]
    ]
    assert rows == [
        ("q1", None, "sociability", "boolean_gate", True, 2.0),
        ("q2", None, "extraversion", "range_linear", 4, 4.0),
        ("q3", None, "calm", "range_linear", 2, 4.0),  # reversed: 1 + 5 - 2
        ("q4", "party", "sociability", "option_weight", "party", 1.0),
        ("q4", "read", "calm", "option_weight", "read", 1.0),
        ("q5", None, "sociability", "boolean_gate", True, 1.0),
        ("q7", None, "calm", "range_linear", 8, 4.0),
    ]
    assert all(isinstance(c["mapping_id"], int) for c in body["components"])


def test_it_shows_the_trail_of_an_older_run(api_client, user):
    session = scored_session(user, import_api_instrument())
    first = session.runs.get()
    services.run_rescore(session=session)
    api_client.force_login(user)

    latest = api_client.get(f"/api/v1/sessions/{session.pk}/components/").json()
    older = api_client.get(f"/api/v1/sessions/{session.pk}/components/", {"run": str(first.pk)}).json()

    assert latest["run"]["status"] == "pending"
    assert latest["components"] == []
    assert older["run"]["id"] == str(first.pk)
    assert len(older["components"]) == 7
