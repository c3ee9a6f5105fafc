"""Review, submit (once), and the thank-you page that follows the scoring run."""

import pytest

from assessments import services
from assessments.models import AnalysisRun, AssessmentSession
from tests.assessments.factories import PAGE_ANSWERS, self_session

pytestmark = pytest.mark.django_db


def test_the_review_lists_every_visible_answer_by_section_with_change_links(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)

    html = user_client.get(f"/assessments/{session.pk}/review/").content.decode()

    assert "About you" in html and "Your habits" in html
    assert "Accurate" in html  # likes-people = 4
    assert "6 of 10" in html  # host-size
    assert "Parties, Reading" in html or "Reading, Parties" in html
    assert f'href="/assessments/{session.pk}/q/1/?return=review#q-host-size"' in html
    assert f'href="/assessments/{session.pk}/q/2/?return=review#q-notes"' in html
    assert "Every required question is answered." in html


def test_the_review_highlights_missing_required_answers(user_client, user, page_version):
    session = self_session(user, page_version, {"likes-people": "4", "hosts": False})

    html = user_client.get(f"/assessments/{session.pk}/review/").content.decode()

    assert "2 required questions are unanswered" in html
    assert 'class="review-row is-missing" id="review-tidy"' in html
    assert 'class="review-row is-missing" id="review-hobbies"' in html
    assert 'class="review-row" id="review-notes"' in html  # optional: not highlighted
    assert "host-size" not in html  # hidden by the branch rule


def test_submitting_an_incomplete_session_explains_what_is_missing(user_client, user, page_version):
    session = self_session(user, page_version, {"likes-people": "4"})

    response = user_client.post(f"/assessments/{session.pk}/submit/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "3 required questions are still unanswered." in html
    session.refresh_from_db()
    assert session.status == "in_progress"


def test_submitting_twice_makes_one_run(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)

    first = user_client.post(f"/assessments/{session.pk}/submit/")
    second = user_client.post(f"/assessments/{session.pk}/submit/")

    assert first["Location"] == second["Location"] == f"/assessments/{session.pk}/done/"
    assert AnalysisRun.objects.filter(session=session).count() == 1
    session.refresh_from_db()
    assert session.status == "submitted"


def test_taking_pages_of_a_submitted_session_lead_to_its_status(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    user_client.post(f"/assessments/{session.pk}/submit/")

    assert (
        user_client.get(f"/assessments/{session.pk}/q/1/")["Location"] == f"/assessments/{session.pk}/done/"
    )
    assert (
        user_client.get(f"/assessments/{session.pk}/review/")["Location"]
        == f"/assessments/{session.pk}/done/"
    )


def test_the_thank_you_page_polls_the_status_while_scoring(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    user_client.post(f"/assessments/{session.pk}/submit/")

    html = user_client.get(f"/assessments/{session.pk}/done/").content.decode()

    assert "Scoring…" in html
    assert f'hx-get="/assessments/{session.pk}/status/" hx-trigger="every 2s"' in html
    # Without JavaScript: a link and a meta refresh that lead on to the results when ready.
    assert f'<a href="/assessments/{session.pk}/done/?waiting=1">Refresh</a>' in html
    assert (
        f'<noscript><meta http-equiv="refresh" content="5; url=/assessments/{session.pk}/done/?waiting=1">'
        in html
    )
    assert 'role="status" aria-live="polite"' in html


def test_the_status_while_scoring_says_pending_and_sends_nowhere(user_client, user, page_version, htmx):
    session = self_session(user, page_version, PAGE_ANSWERS)
    user_client.post(f"/assessments/{session.pk}/submit/")

    response = user_client.get(f"/assessments/{session.pk}/status/", **htmx)

    assert response.status_code == 200
    assert response.json() == {"status": "pending", "results_url": None}
    assert "HX-Redirect" not in response
    assert "HX-Refresh" not in response


def test_the_status_after_scoring_moves_the_page_to_the_results(user_client, user, page_version, htmx):
    session = self_session(user, page_version, PAGE_ANSWERS)
    user_client.post(f"/assessments/{session.pk}/submit/")
    services.run_score(run_id=AnalysisRun.objects.get(session=session).pk)

    polled = user_client.get(f"/assessments/{session.pk}/status/", **htmx)
    plain = user_client.get(f"/assessments/{session.pk}/status/")

    assert polled["HX-Redirect"] == f"/assessments/{session.pk}/results/"
    assert plain.json() == {"status": "done", "results_url": f"/assessments/{session.pk}/results/"}


def test_a_failed_run_reloads_the_page_to_show_it(user_client, user, page_version, htmx):
    session = self_session(user, page_version, PAGE_ANSWERS)
    run = services.session_submit(session=session)
    AnalysisRun.objects.filter(pk=run.pk).update(status="failed", error="boom")

    response = user_client.get(f"/assessments/{session.pk}/status/", **htmx)

    assert response.json()["status"] == "failed"
    assert response["HX-Refresh"] == "true"


def test_without_javascript_the_refresh_goes_to_the_results_once_ready(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    user_client.post(f"/assessments/{session.pk}/submit/")
    waiting = user_client.get(f"/assessments/{session.pk}/done/?waiting=1")
    services.run_score(run_id=AnalysisRun.objects.get(session=session).pk)
    ready = user_client.get(f"/assessments/{session.pk}/done/?waiting=1")
    visited = user_client.get(f"/assessments/{session.pk}/done/")

    assert waiting.status_code == 200
    assert ready["Location"] == f"/assessments/{session.pk}/results/"
    assert "Your results are ready." in visited.content.decode()  # a plain visit stays put


def test_another_users_status_is_a_404(client, other_user, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    client.force_login(other_user)

    assert client.get(f"/assessments/{session.pk}/status/").status_code == 404


def test_the_status_needs_a_login(client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)

    assert client.get(f"/assessments/{session.pk}/status/").status_code == 302


def test_the_thank_you_page_of_an_unfinished_session_goes_to_the_review(user_client, user, page_version):
    session = self_session(user, page_version)

    assert (
        user_client.get(f"/assessments/{session.pk}/done/")["Location"]
        == f"/assessments/{session.pk}/review/"
    )


def test_a_failed_run_shows_its_error_to_staff_only(client, user, staff_user, page_version):
    for who in (user, staff_user):
        session = self_session(who, page_version, PAGE_ANSWERS)
        run = services.session_submit(session=session)
        AnalysisRun.objects.filter(pk=run.pk).update(status="failed", error="ValueError: boom")
        client.force_login(who)

        html = client.get(f"/assessments/{session.pk}/done/").content.decode()

        assert "Scoring did not finish." in html
        assert ("ValueError: boom" in html) is who.is_staff
        assert (f"/runs/{run.pk}/retry/" in html) is who.is_staff


def test_resume_of_a_scored_session_opens_its_results(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    services.run_score(run_id=services.session_submit(session=session).pk)

    response = user_client.get(f"/assessments/{session.pk}/")

    assert response["Location"] == f"/assessments/{session.pk}/results/"
    assert AssessmentSession.objects.get(pk=session.pk).status == "scored"


def test_the_status_poll_is_a_few_queries_however_many_runs(
    user_client, user, page_version, django_assert_max_num_queries
):
    session = self_session(user, page_version, PAGE_ANSWERS)
    user_client.post(f"/assessments/{session.pk}/submit/")
    for _ in range(3):
        services.run_score(run_id=AnalysisRun.objects.filter(session=session).latest("created_at").pk)
        services.run_rescore(session=session)

    with django_assert_max_num_queries(4):  # session user, session, latest run
        response = user_client.get(f"/assessments/{session.pk}/status/")

    assert response.json()["status"] == "pending"
