"""PUT /api/v1/sessions/{id}/responses/: bulk upsert, null clears, submitted sessions are closed."""

import pytest

from assessments.models import Response
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session, self_session

pytestmark = pytest.mark.django_db


def put(client, session, answers):
    return client.put(f"/api/v1/sessions/{session.pk}/responses/", {"answers": answers}, format="json")


def test_it_saves_answers_and_returns_the_progress(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)

    response = put(api_client, session, {"q1": True, "q2": 4, "q7": 3})

    assert response.status_code == 200
    assert response.json() == {
        "answered": 3,
        "visible": 7,
        "required_missing": ["q3", "q4", "q5"],
        "total": 6,
    }
    answers = {r.item.key: r for r in Response.objects.filter(session=session).select_related("item")}
    assert set(answers) == {"q1", "q2", "q7"}
    assert answers["q1"].value_boolean is True
    assert answers["q2"].selected_option.key == "4"
    assert answers["q7"].value_number == 3


def test_saving_again_updates_answers_in_place(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)
    put(api_client, session, {"q4": ["read", "hike"], "q7": 3})

    response = put(api_client, session, {"q4": ["code"], "q7": 9})

    assert response.status_code == 200
    assert Response.objects.filter(session=session).count() == 2
    detail = api_client.get(f"/api/v1/sessions/{session.pk}/").json()
    assert detail["answers"] == [{"item": "q4", "value": ["code"]}, {"item": "q7", "value": 9}]


def test_null_clears_an_answer(api_client, user):
    session = self_session(user, import_api_instrument(), {"q1": True, "q6": "Hello", "q7": 5})
    api_client.force_login(user)

    response = put(api_client, session, {"q6": None, "q7": None, "q2": "3"})

    assert response.status_code == 200
    keys = set(Response.objects.filter(session=session).values_list("item__key", flat=True))
    assert keys == {"q1", "q2"}
    assert "q7" in response.json()["required_missing"]


def test_an_empty_object_saves_nothing(api_client, user):
    session = self_session(user, import_api_instrument())
    api_client.force_login(user)

    response = put(api_client, session, {})

    assert response.status_code == 200
    assert not Response.objects.exists()


def test_answering_a_submitted_session_is_a_409(api_client, user):
    session = scored_session(user, import_api_instrument())
    api_client.force_login(user)

    response = put(api_client, session, {"q7": 1})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This questionnaire has already been submitted; answers can no longer change."
    }
    assert Response.objects.get(session=session, item__key="q7").value_number == VALID_ANSWERS["q7"]


def test_clearing_an_answer_of_a_submitted_session_is_a_409(api_client, user):
    session = scored_session(user, import_api_instrument())
    api_client.force_login(user)

    response = put(api_client, session, {"q6": None})

    assert response.status_code == 409
    assert Response.objects.filter(session=session, item__key="q6").exists()
