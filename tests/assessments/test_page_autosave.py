"""Autosave (htmx): every change posts one answer; the response updates only what it affects."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import selectors
from assessments.models import QuestionnaireEventLog, Response
from personai import row_memory
from questionnaires.importing import import_document
from tests.assessments.factories import api_instrument_document, self_session
from tests.conftest import ROW_MEMORY_NOTICE_SECONDS

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")

pytestmark = pytest.mark.django_db


def _autosave(client, session, htmx, item, data, shown):
    return client.post(f"/assessments/{session.pk}/autosave/", {"item": item, "shown": shown, **data}, **htmx)


def test_a_change_saves_exactly_one_answer_and_returns_fragments(user_client, user, page_version, htmx):
    session = self_session(user, page_version)

    response = _autosave(
        user_client,
        session,
        htmx,
        "likes-people",
        {"a-likes-people": "5", "a-hosts": "no"},
        "likes-people,hosts",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment, not the page
    assert Response.objects.filter(session=session).count() == 1  # only the changed question
    assert selectors.session_answers(session)["likes-people"].option == "5"
    assert '<div id="progress" class="take-progress" hx-swap-oob="true">' in html
    assert "<strong>1 of 4</strong> answered" in html
    assert 'id="save-status"' in html and 'hx-swap-oob="innerHTML"' in html
    assert "Saved" in html
    assert 'id="q-likes-people"' not in html  # the question itself is left alone
    assert QuestionnaireEventLog.objects.filter(session=session, event="autosaved").count() == 1


def test_the_live_region_for_saved_is_on_the_page(user_client, user, page_version):
    session = self_session(user, page_version)

    html = user_client.get(f"/assessments/{session.pk}/q/1/").content.decode()

    assert (
        '<p id="save-status" class="save-status" role="status" aria-live="polite" data-retrying="Not saved — retrying">'
        in html
    )
    # Relative to the page (/assessments/<id>/q/1/): /assessments/<id>/autosave/.
    assert 'hx-post="../../autosave/" hx-trigger="change" hx-swap="none"' in html
    assert 'hx-vals=\'{"item": "likes-people"}\'' in html


def test_changing_an_answer_again_updates_the_same_row(user_client, user, page_version, htmx):
    session = self_session(user, page_version)

    _autosave(user_client, session, htmx, "tidy", {"a-tidy": "3"}, "tidy,hobbies,notes")
    _autosave(user_client, session, htmx, "tidy", {"a-tidy": "9"}, "tidy,hobbies,notes")

    assert Response.objects.filter(session=session).count() == 1
    assert selectors.session_answers(session)["tidy"].number == 9


def test_an_invalid_answer_comes_back_with_its_message_next_to_the_question(
    user_client, user, page_version, htmx
):
    session = self_session(user, page_version)

    response = _autosave(
        user_client,
        session,
        htmx,
        "hobbies",
        {"a-hobbies": ["read", "garden", "party"]},
        "tidy,hobbies,notes",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="question is-invalid" id="q-hobbies"' in html
    assert 'hx-swap-oob="true"' in html
    assert '<p class="question-error" id="e-hobbies" role="alert">' in html
    assert "Choose at most 2 options." in html
    assert html.count('aria-invalid="true"') == 3
    assert "Not saved: check question" in html
    assert not Response.objects.filter(session=session).exists()


def test_a_corrected_answer_takes_the_message_away(user_client, user, page_version, htmx):
    session = self_session(user, page_version)

    response = _autosave(
        user_client,
        session,
        htmx,
        "hobbies",
        {"a-hobbies": ["read"], "err-hobbies": "1"},
        "tidy,hobbies,notes",
    )

    html = response.content.decode()
    assert '<div class="question is-answered" id="q-hobbies"' in html  # re-rendered without the error
    assert "question-error" not in html
    assert 'aria-invalid="true"' not in html
    assert selectors.session_answers(session)["hobbies"].options == ("read",)


def test_emptying_a_required_answer_removes_it_and_says_so(user_client, user, page_version, htmx):
    session = self_session(user, page_version, {"hobbies": ["read"]})

    response = _autosave(user_client, session, htmx, "hobbies", {}, "tidy,hobbies,notes")

    assert "Choose at least 1 option." in response.content.decode()
    assert "hobbies" not in selectors.session_answers(session)


def test_answering_yes_shows_the_follow_up_question(user_client, user, page_version, htmx):
    session = self_session(user, page_version)

    response = _autosave(
        user_client, session, htmx, "hosts", {"a-hosts": "yes", "a-likes-people": "2"}, "likes-people,hosts"
    )

    html = response.content.decode()
    assert '<div id="questions" class="questions" lang="en" hx-swap-oob="true">' in html
    assert 'id="q-host-size"' in html
    assert "How many guests, usually?" in html
    assert 'name="shown" value="likes-people,hosts,host-size"' in html
    # What the browser shows for the other questions is kept (even when not saved yet).
    assert 'id="a-likes-people-2" name="a-likes-people" value="2" checked' in html
    assert 'id="a-hosts-yes" name="a-hosts" value="yes" checked' in html
    assert "<strong>1 of 5</strong> answered" in html
    assert Response.objects.filter(session=session).count() == 1


def test_answering_no_hides_the_follow_up_question(user_client, user, page_version, htmx):
    session = self_session(user, page_version, {"hosts": True, "host-size": 4})

    response = _autosave(
        user_client,
        session,
        htmx,
        "hosts",
        {"a-hosts": "no", "a-host-size": "4"},
        "likes-people,hosts,host-size",
    )

    html = response.content.decode()
    assert 'id="questions"' in html
    assert 'id="q-hosts"' in html
    assert 'id="q-host-size"' not in html
    assert "<strong>1 of 4</strong> answered" in html  # the hidden answer no longer counts


def test_autosave_without_htmx_sends_the_browser_to_the_page(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.post(f"/assessments/{session.pk}/autosave/", {"item": "tidy", "a-tidy": "3"})

    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{session.pk}/q/2/"


def test_autosave_of_an_unknown_question_is_a_bad_request(user_client, user, page_version, htmx):
    session = self_session(user, page_version)

    response = user_client.post(f"/assessments/{session.pk}/autosave/", {"item": "nope"}, **htmx)

    assert response.status_code == 400


def test_autosave_after_submitting_redirects_htmx_to_the_status_page(user_client, user, page_version, htmx):
    session = self_session(
        user, page_version, {"likes-people": "4", "hosts": False, "tidy": 5, "hobbies": ["read"]}
    )
    user_client.post(f"/assessments/{session.pk}/submit/")

    response = _autosave(user_client, session, htmx, "tidy", {"a-tidy": "1"}, "tidy,hobbies,notes")

    assert response["HX-Redirect"] == f"/assessments/{session.pk}/done/"
    assert selectors.session_answers(session)["tidy"].number == 5


def test_the_forms_reachability_probe_gets_a_204_and_writes_nothing(user_client, user, page_version, caplog):
    """The take form sends HEAD to the autosave URL before posting a page (personai.js)."""
    session = self_session(user, page_version)
    events = QuestionnaireEventLog.objects.filter(session=session).count()

    response = user_client.head(f"/assessments/{session.pk}/autosave/")

    assert response.status_code == 204
    assert QuestionnaireEventLog.objects.filter(session=session).count() == events
    assert not Response.objects.filter(session=session).exists()
    assert not [record for record in caplog.records if record.name == "django.request"]


def test_a_get_on_the_autosave_url_is_still_refused(user_client, user, page_version):
    session = self_session(user, page_version)

    assert user_client.get(f"/assessments/{session.pk}/autosave/").status_code == 405


def test_the_probe_of_a_signed_out_visitor_goes_to_the_login(client, user, page_version):
    session = self_session(user, page_version)

    response = client.head(f"/assessments/{session.pk}/autosave/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_the_answers_before_the_save_come_with_the_session_row(row_memory_on, user_client, user, htmx):
    """A version without multiple choice: the session row brings its answers (`Flow.answers`),
    and the one statement that saves returns them after the save: no read of its own. The
    visitor's session and user are remembered, as web processes run (`row_memory_on`)."""
    document = api_instrument_document(slug="autosave-reads")
    items = document["version"]["items"]
    items[:] = [item for item in items if item["type"] != "multi_choice"]
    version = import_document(document, publish=True).version
    session = self_session(user, version, {"q1": True})
    assert row_memory.sync(ROW_MEMORY_NOTICE_SECONDS)  # signing in wrote `last_login`: heard first
    _autosave(user_client, session, htmx, "q2", {"a-q2": "3"}, "q1,q2,q3")  # builds the plan

    with CaptureQueriesContext(connection) as context:
        response = _autosave(user_client, session, htmx, "q3", {"a-q3": "2"}, "q1,q2,q3")

    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert selectors.session_answers(session)["q3"].option == "2"
    statements = [q["sql"] for q in context.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
    answer_reads = [sql for sql in statements if sql.startswith("SELECT") and "assessments_response" in sql]
    assert len(answer_reads) == 1, statements  # with the session row
    assert "LATERAL" in answer_reads[0]
    # the session row with its answers, the save that reads them back
    assert len(statements) <= 2, statements
