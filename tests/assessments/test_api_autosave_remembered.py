"""The API autosave of a session this process has read before: one statement, no session read.

What never changes about a session (its version, who may answer it) is remembered per process;
the statement that saves checks the owner rule and the status again as it writes, and anything
it cannot decide alone (a closed session, someone else's, invalid or cleared answers) takes the
usual way, with the usual answers.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import selectors, services
from assessments.models import AssessmentSession, QuestionnaireEventLog
from tests.assessments.factories import api_key_header, self_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _statements(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def _session_statements(context: CaptureQueriesContext) -> list[str]:
    """Statements about assessments (not the API key's read, which row memory spares web processes)."""
    return [sql for sql in _statements(context) if "assessments_" in sql]


def _put(client, session, answers, headers):
    url = f"/api/v1/sessions/{session.pk}/responses/"
    return client.put(url, {"answers": answers}, format="json", **headers)


@pytest.fixture
def remembered(api_client, user, page_version):
    """The user's session after one autosave: read once, so remembered by this process."""
    session = self_session(user, page_version, {"likes-people": "4"})
    headers = api_key_header(user)
    assert _put(api_client, session, {"tidy": 2}, headers).status_code == 200
    assert selectors.remembered_session_plan(user, session.pk) is not None
    return session, headers


def test_the_next_autosave_is_one_statement_that_writes_the_answer(api_client, user, remembered):
    session, headers = remembered

    with CaptureQueriesContext(connection) as context:
        response = _put(api_client, session, {"tidy": 5}, headers)

    assert response.status_code == 200, response.content
    statements = _session_statements(context)
    assert len(statements) == 1, statements
    assert "INSERT INTO assessments_response " in statements[0]
    plan = selectors.session_plan(selectors.session_for_user(user, session.pk))
    answers = selectors.session_answers(session, plan)
    assert answers["tidy"].number == 5
    read_back = selectors.session_progress(plan.version, answers)
    assert response.json() == {
        "answered": read_back.answered,
        "visible": read_back.visible,
        "required_missing": read_back.required_missing,
        "total": read_back.total,
    }
    assert (
        session.events.filter(event=QuestionnaireEventLog.Event.AUTOSAVED, detail={"items": ["tidy"]}).count()
        == 2
    )


def test_a_session_submitted_since_is_a_409_and_keeps_its_answers(api_client, user, remembered):
    session, headers = remembered
    _put(api_client, session, {"hosts": False, "hobbies": ["read"], "tidy": 3}, headers)
    services.session_submit(session=AssessmentSession.objects.get(pk=session.pk))
    events = session.events.count()

    response = _put(api_client, session, {"tidy": 1}, headers)

    assert response.status_code == 409, response.content
    assert "already been submitted" in response.json()["detail"]
    assert selectors.session_answers(session)["tidy"].number == 3
    assert session.events.count() == events


def test_someone_elses_remembered_session_is_a_404(api_client, remembered):
    session, _headers = remembered
    stranger = UserFactory()

    response = _put(api_client, session, {"tidy": 1}, api_key_header(stranger))

    assert response.status_code == 404
    assert selectors.session_answers(session)["tidy"].number == 2


def test_the_owner_rule_is_checked_again_as_it_writes(api_client, user, remembered):
    """The process remembers that the user may answer; the database now says otherwise."""
    session, headers = remembered
    other = UserFactory()
    AssessmentSession.objects.filter(pk=session.pk).update(
        respondent_user=other, subject=services.subject_get_or_create_for_user(user=other)
    )
    events = session.events.count()

    response = _put(api_client, session, {"tidy": 1}, headers)

    assert response.status_code == 404
    assert selectors.session_answers(session)["tidy"].number == 2
    assert session.events.count() == events


def test_invalid_answers_are_the_same_400_as_before(api_client, user, remembered, page_version):
    session, headers = remembered
    unremembered = self_session(UserFactory(), page_version)
    other_headers = api_key_header(unremembered.respondent_user)

    response = _put(api_client, session, {"tidy": 99, "hosts": True}, headers)
    first_time = _put(api_client, unremembered, {"tidy": 99, "hosts": True}, other_headers)

    assert response.status_code == first_time.status_code == 400
    assert response.json() == first_time.json()
    assert "hosts" not in selectors.session_answers(session)  # all or nothing


def test_a_malformed_body_is_a_400_and_saves_nothing(api_client, user, remembered):
    session, headers = remembered
    url = f"/api/v1/sessions/{session.pk}/responses/"

    response = api_client.put(url, b'{"answers": {"tidy": ', content_type="application/json", **headers)

    assert response.status_code == 400
    assert selectors.session_answers(session)["tidy"].number == 2


def test_clearing_and_multiple_choice_take_the_usual_way(api_client, user, remembered):
    session, headers = remembered

    cleared = _put(api_client, session, {"tidy": None}, headers)
    chosen = _put(api_client, session, {"hobbies": ["read", "garden"]}, headers)

    assert cleared.status_code == chosen.status_code == 200
    answers = selectors.session_answers(session)
    assert "tidy" not in answers
    assert answers["hobbies"].options == ("garden", "read")
    assert chosen.json()["answered"] == len(answers)


def test_the_memory_keeps_at_most_its_bound(user, page_version, monkeypatch):
    monkeypatch.setattr(selectors, "_REMEMBERED_SESSIONS_MAX", 2)
    monkeypatch.setattr(selectors, "_remembered_sessions", type(selectors._remembered_sessions)())
    sessions = [self_session(user, page_version) for _ in range(3)]

    for session in sessions:
        selectors.session_plan(selectors.session_for_user(user, session.pk))  # builds the plan
        selectors.session_for_user(user, session.pk)  # read with the plan kept: remembered

    assert list(selectors._remembered_sessions) == [sessions[1].pk, sessions[2].pk]
