"""PUT /api/v1/sessions/{id}/responses/: every invalid answer is reported per item, nothing is saved."""

import pytest

from assessments.models import QuestionnaireEventLog, Response, ResponseOptionSelection
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, self_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(user):
    return self_session(user, import_api_instrument())


def put(client, session, answers):
    return client.put(f"/api/v1/sessions/{session.pk}/responses/", {"answers": answers}, format="json")


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("q99", 3, "There is no question with this key in this questionnaire."),
        ("q1", "maybe", "Answer yes or no."),
        ("q7", "seven", "Enter a number."),
        ("q7", True, "Enter a number."),
        ("q7", 11, "Enter a number between 0 and 10."),
        ("q7", -1, "Enter a number between 0 and 10."),
        ("q7", 2.5, "Must be a multiple of 1."),
        ("q2", "party", "Unknown option 'party'."),  # an option of q4
        ("q2", ["4"], "Choose one of the options."),
        ("q4", ["read", "ski"], "Unknown option 'ski'."),
        ("q4", ["read", "hike", "party", "code"], "Choose at most 3 options."),
        ("q4", {"read": True}, "Choose options from the list."),
        ("q6", 42, "Enter some text."),
    ],
)
def test_an_invalid_answer_is_a_400_naming_the_item_and_nothing_is_written(
    api_client, user, session, item, value, message
):
    api_client.force_login(user)

    # Valid answers alongside the invalid one are not saved either.
    response = put(api_client, session, {"q1": True, "q3": "2", item: value})

    assert response.status_code == 400
    assert response.json() == {"detail": "Some answers are invalid.", "errors": {item: message}}
    assert not Response.objects.exists()
    assert not ResponseOptionSelection.objects.exists()
    assert not QuestionnaireEventLog.objects.filter(event="autosaved").exists()


def test_every_invalid_answer_is_reported_at_once(api_client, user, session):
    api_client.force_login(user)

    response = put(api_client, session, {**VALID_ANSWERS, "q1": "perhaps", "q7": 12, "nope": 1})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "q1": "Answer yes or no.",
        "q7": "Enter a number between 0 and 10.",
        "nope": "There is no question with this key in this questionnaire.",
    }
    assert not Response.objects.exists()


def test_clearing_an_unknown_item_is_an_error_too(api_client, user, session):
    api_client.force_login(user)

    response = put(api_client, session, {"q1": True, "q42": None})

    assert response.status_code == 400
    assert response.json()["errors"] == {"q42": "There is no question with this key in this questionnaire."}
    assert not Response.objects.exists()


def test_answers_must_be_an_object(api_client, user, session):
    api_client.force_login(user)

    response = put(api_client, session, ["q1", True])

    assert response.status_code == 400
    assert "answers" in response.json()["errors"]


def test_the_answers_key_is_required(api_client, user, session):
    api_client.force_login(user)

    response = api_client.put(f"/api/v1/sessions/{session.pk}/responses/", {"q1": True}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"answers": ["This field is required."]}
