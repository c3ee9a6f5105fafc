"""Three anonymous responders answer the built-in DISC survey entirely over the API; the owner
then sees their aggregate, and only once the third response is scored."""

from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from assessments import services
from assessments.models import AnalysisRun

pytestmark = pytest.mark.django_db


def answers_from_api(items: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """A valid answer to every item of the public questionnaire detail, varied per responder."""
    answers: dict[str, Any] = {}
    for item in items:
        options = [option["key"] for option in item["options"]]
        config = item["config"]
        if item["type"] == "boolean":
            answers[item["key"]] = n % 2 == 0
        elif item["type"] == "scalar":
            answers[item["key"]] = min(config["min"] + n * config.get("step", 1), config["max"])
        elif item["type"] == "single_choice":
            answers[item["key"]] = options[n % len(options)]
        elif item["type"] == "multi_choice":
            answers[item["key"]] = options[n : n + max(1, config.get("min_selected") or 0)]
        else:
            answers[item["key"]] = f"Responder {n} has nothing to add."
    return answers


def respond_over_the_api(share_token: str, n: int) -> dict[str, Any]:
    """One responder, in their own client (network address, user agent), from link to submit."""
    client = APIClient(REMOTE_ADDR=f"198.51.100.{n + 10}", HTTP_USER_AGENT=f"Responder app {n}")
    survey = client.get(f"/api/v1/s/{share_token}/")
    questionnaire = client.get(survey.json()["questionnaire_url"])
    begun = client.post(f"/api/v1/s/{share_token}/responses/", {"locale": "en"}, format="json")
    session, token = begun.json()["session"], begun.json()["responder_token"]
    saved = client.put(
        f"/api/v1/s/{share_token}/responses/{session}/",
        {"answers": answers_from_api(questionnaire.json()["items"], n)},
        format="json",
        HTTP_X_RESPONDER_TOKEN=token,
    )
    submitted = client.post(
        f"/api/v1/s/{share_token}/responses/{session}/submit/", HTTP_X_RESPONDER_TOKEN=token
    )
    return {
        "survey": survey,
        "questionnaire": questionnaire,
        "begun": begun,
        "saved": saved,
        "submitted": submitted,
        "session": session,
    }


def test_three_anonymous_responders_answer_the_disc_survey_over_the_api_and_the_owner_sees_them(
    api_client, user
):
    call_command("load_instruments")
    api_client.force_login(user)
    created = api_client.post(
        "/api/v1/surveys/", {"questionnaire": "disc", "title": "Team view"}, format="json"
    )
    survey_id = created.json()["id"]
    share_token = created.json()["share_url"].rstrip("/").rsplit("/", 1)[1]

    steps = [respond_over_the_api(share_token, n) for n in range(3)]

    for step in steps:
        assert step["survey"].status_code == 200
        assert step["survey"].json()["questionnaire"]["slug"] == "disc"
        assert step["survey"].json()["item_count"] == len(step["questionnaire"].json()["items"]) == 17
        assert step["begun"].status_code == 201
        assert step["saved"].status_code == 200, step["saved"].json()
        assert step["saved"].json()["required_missing"] == []
        assert step["submitted"].status_code == 202
        assert step["submitted"].json() == {"status": "submitted"}
    assert len({step["session"] for step in steps}) == 3

    runs = list(AnalysisRun.objects.filter(session__survey_id=survey_id).order_by("created_at"))
    assert len(runs) == 3
    for run in runs[:2]:
        services.run_score(run_id=run.pk)
    before = api_client.get(f"/api/v1/surveys/{survey_id}/results/").json()
    services.run_score(run_id=runs[2].pk)
    after = api_client.get(f"/api/v1/surveys/{survey_id}/results/").json()

    assert before["responses"] == 2
    assert before["shown"] is False
    assert all(row["others"] is None for row in before["dimensions"])
    assert after["responses"] == 3
    assert after["shown"] is True
    assert {row["dimension"] for row in after["dimensions"]} == {"d", "i", "s", "c"}
    assert all(row["others"]["n"] == 3 for row in after["dimensions"])
    assert all(row["others"]["mean_raw"] is not None for row in after["dimensions"])
