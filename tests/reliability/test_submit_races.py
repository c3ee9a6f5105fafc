"""Parallel survey submits, for real: threads with their own database connections, started
together by a barrier, against committed data (transaction=True).

* `max_responses` holds: of N parallel responders' submits to a survey with room for 2,
  exactly 2 are accepted, the rest told the survey is full (410).
* The per-IP throttle counts a submission once, after it was accepted: N parallel submits of
  one session use one unit of the budget.
* A personal invitation link starts one session: of N parallel starts with it, one gets 201,
  the rest 409.
"""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from assessments import services, throttle
from assessments.models import AnalysisRun, AssessmentSession
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _answered(survey, responder: str) -> AssessmentSession:
    session = services.survey_session_for_responder(survey=survey, responder_id=responder, fingerprint="")
    services.responses_save(session=session, answers=VALID_ANSWERS)
    return session


def _in_parallel(calls) -> list:
    """Run each call in its own thread (own connection), released together; their results."""
    barrier = threading.Barrier(len(calls), timeout=20)
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _submit_call(survey, session: AssessmentSession):
    def call() -> int:
        client = APIClient()
        url = f"/api/v1/s/{survey.share_token}/responses/{session.pk}/submit/"
        return client.post(url, HTTP_X_RESPONDER_TOKEN=session.responder_id).status_code

    return call


@pytest.mark.parametrize("responders", [3, 6])
def test_parallel_submits_never_exceed_max_responses(responders):
    survey = services.survey_create(owner=UserFactory(), version=import_api_instrument(), max_responses=2)
    sessions = [_answered(survey, f"responder-token-{n:016d}") for n in range(responders)]

    statuses = _in_parallel([_submit_call(survey, session) for session in sessions])

    assert sorted(statuses) == [202, 202] + [410] * (responders - 2)
    answered = AssessmentSession.objects.filter(survey=survey).exclude(
        status=AssessmentSession.Status.IN_PROGRESS
    )
    assert answered.count() == 2
    assert AnalysisRun.objects.filter(session__survey=survey).count() == 2


def test_the_service_enforces_max_responses_without_the_views_check():
    survey = services.survey_create(owner=UserFactory(), version=import_api_instrument(), max_responses=2)
    sessions = [_answered(survey, f"responder-token-{n:016d}") for n in range(4)]

    def submit(session):
        def call() -> str:
            try:
                return "accepted" if services.session_submit_once(session=session).accepted_now else "repeat"
            except services.SurveyClosed:
                return "full"

        return call

    outcomes = _in_parallel([submit(session) for session in sessions])

    assert sorted(outcomes) == ["accepted", "accepted", "full", "full"]


def test_parallel_submits_of_one_session_use_one_unit_of_the_throttle():
    survey = services.survey_create(owner=UserFactory(), version=import_api_instrument())
    session = _answered(survey, "responder-token-0000000000000001")
    cache.clear()

    statuses = _in_parallel([_submit_call(survey, session) for _ in range(10)])

    assert statuses == [202] * 10
    assert cache.get(throttle._key("survey-submit", "127.0.0.1")) == 1
    assert AnalysisRun.objects.filter(session=session).count() == 1


def test_a_refused_submit_uses_none_of_the_throttle():
    survey = services.survey_create(owner=UserFactory(), version=import_api_instrument(), max_responses=1)
    first, second = (_answered(survey, f"responder-token-{n:016d}") for n in range(2))
    cache.clear()

    assert _submit_call(survey, first)() == 202
    assert _submit_call(survey, second)() == 410

    assert cache.get(throttle._key("survey-submit", "127.0.0.1")) == 1


def test_parallel_starts_with_one_invitation_claim_it_once():
    survey = services.survey_create(owner=UserFactory(), version=import_api_instrument())
    [invitation] = services.invitations_create(survey=survey, count=1)

    def start_call():
        client = APIClient()
        url = f"/api/v1/s/{survey.share_token}/responses/"
        return client.post(url, {"invitation": invitation.token}, format="json").status_code

    statuses = _in_parallel([start_call for _ in range(5)])

    assert sorted(statuses) == [201, 409, 409, 409, 409]
    assert AssessmentSession.objects.filter(survey=survey).count() == 1
    assert AssessmentSession.objects.get(survey=survey).invitation_id == invitation.pk
