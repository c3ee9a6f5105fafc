"""services.responses_update: responses_save where None clears an answer, all or nothing."""

import pytest

from assessments import services
from assessments.models import QuestionnaireEventLog, Response
from tests.assessments.factories import import_api_instrument, scored_session, self_session

pytestmark = pytest.mark.django_db


def keys(session) -> set[str]:
    return set(Response.objects.filter(session=session).values_list("item__key", flat=True))


def test_it_saves_and_clears_in_one_go(user):
    session = self_session(user, import_api_instrument(), {"q1": True, "q6": "hi"})

    count = services.responses_update(session=session, answers={"q6": None, "q7": 4})

    assert count == 2
    assert keys(session) == {"q1", "q7"}
    event = QuestionnaireEventLog.objects.filter(session=session).last()
    assert event.detail == {"items": ["q7"], "cleared": ["q6"]}


def test_without_nulls_it_is_responses_save(user):
    session = self_session(user, import_api_instrument())

    assert services.responses_update(session=session, answers={"q1": False}) == 1
    assert keys(session) == {"q1"}


def test_an_invalid_answer_keeps_the_answers_to_be_cleared(user):
    session = self_session(user, import_api_instrument(), {"q6": "hi"})

    with pytest.raises(services.AnswerValidationError) as caught:
        services.responses_update(session=session, answers={"q6": None, "q7": 99})

    assert caught.value.errors == {"q7": "Enter a number between 0 and 10."}
    assert keys(session) == {"q6"}


def test_clearing_an_answer_of_a_submitted_session_is_refused(user):
    session = scored_session(user, import_api_instrument())

    with pytest.raises(services.SessionClosed):
        services.responses_update(session=session, answers={"q6": None})
