"""The built-in DISC instrument, loaded by `load_instruments`, taken end to end through the API."""

import pytest
from django.core.management import call_command

from assessments import services
from questionnaires.models import QuestionnaireVersion
from tests.assessments.factories import valid_answers_for

pytestmark = pytest.mark.django_db


def test_disc_can_be_answered_submitted_and_scored_over_the_api(api_client, user):
    call_command("load_instruments")
    version = QuestionnaireVersion.objects.get(questionnaire__slug="disc", is_active=True)
    answers = valid_answers_for(version)
    api_client.force_login(user)

    created = api_client.post("/api/v1/sessions/", {"questionnaire": "disc"}, format="json")
    session_id = created.json()["id"]
    saved = api_client.put(f"/api/v1/sessions/{session_id}/responses/", {"answers": answers}, format="json")
    submitted = api_client.post(f"/api/v1/sessions/{session_id}/submit/")
    services.run_score(run_id=submitted.json()["id"])
    scores = api_client.get(f"/api/v1/sessions/{session_id}/scores/").json()

    assert created.status_code == 201
    assert created.json()["progress"]["visible"] > 0
    assert saved.status_code == 200, saved.json()
    assert saved.json()["required_missing"] == []
    assert submitted.status_code == 202
    assert scores["run"]["status"] == "done"
    assert {d["dimension"] for d in scores["dimensions"]} == {"d", "i", "s", "c"}
    assert scores["composites"]
    components = api_client.get(f"/api/v1/sessions/{session_id}/components/").json()["components"]
    assert components
    assert {c["dimension"] for c in components} <= {"d", "i", "s", "c"}


def test_disc_rejects_an_option_of_another_question(api_client, user):
    call_command("load_instruments")
    api_client.force_login(user)
    session_id = api_client.post("/api/v1/sessions/", {"questionnaire": "disc"}, format="json").json()["id"]

    # "steady" is an option of work-rhythm; "winning" one of the multi-choice energisers.
    response = api_client.put(
        f"/api/v1/sessions/{session_id}/responses/",
        {"answers": {"meeting-stalls": "steady", "energisers": ["winning", "a"], "decision-speed": 11}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "meeting-stalls": "Unknown option 'steady'.",
        "energisers": "Unknown option 'a'.",
        "decision-speed": "Enter a number between 0 and 10.",
    }
