"""Anonymous responders: the share link, a signed cookie to resume, one answer each, no results."""

import pytest
from django.core import signing

from assessments import cookies, services, throttle
from assessments.models import AssessmentSession, Response, Survey
from tests.assessments.factories import PAGE_ANSWERS, survey_response

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(user, page_version) -> Survey:
    user.username = "sam"
    user.save()
    return services.survey_create(owner=user, version=page_version, title="Sam after the project")


def _start(client, survey, **extra):
    return client.post(f"/s/{survey.share_token}/", **extra)


def _answer_everything(client, survey):
    session = AssessmentSession.objects.get(survey=survey, responder_id=_token(client, survey))
    services.responses_save(session=session, answers=PAGE_ANSWERS)
    return session


def _token(client, survey):
    """The responder token in the browser's cookie, checked against its signature."""
    value = client.cookies[cookies.COOKIE_NAME].value
    salt = signing._cookie_signer_salt(cookies.COOKIE_NAME, f"assessments.responder.{survey.pk}")
    return signing.get_cookie_signer(salt=salt).unsign(value, max_age=cookies.MAX_AGE)


def test_the_landing_page_says_whom_it_is_about_and_that_it_is_anonymous(client, survey):
    response = client.get(f"/s/{survey.share_token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "How do you see sam?" in html
    assert "Sam after the project" in html
    assert "Anonymous." in html
    assert "6 questions" in html
    assert "About 2 minutes" in html
    assert ">Start" in html


def test_an_unknown_link_is_a_404(client, db):
    assert client.get("/s/not-a-token/").status_code == 404


def test_starting_sets_a_signed_responder_cookie_scoped_to_the_link(client, survey):
    response = _start(client, survey, HTTP_USER_AGENT="Test browser", REMOTE_ADDR="10.0.0.7")

    session = AssessmentSession.objects.get(survey=survey)
    cookie = response.cookies[cookies.COOKIE_NAME]
    assert response.status_code == 302
    assert response["Location"] == f"/s/{survey.share_token}/q/1/"
    assert cookie["path"] == f"/s/{survey.share_token}/"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert session.responder_id and session.responder_id in cookie.value  # signed, not encrypted
    assert cookie.value != session.responder_id
    assert session.respondent_kind == "anonymous"
    assert session.respondent_user is None
    assert len(session.responder_fingerprint) == 64


def test_the_cookie_resumes_the_same_session(client, survey):
    _start(client, survey)
    session = AssessmentSession.objects.get(survey=survey)
    services.responses_save(session=session, answers={"likes-people": "2"})

    landing = client.get(f"/s/{survey.share_token}/").content.decode()
    again = _start(client, survey)
    page = client.get(f"/s/{survey.share_token}/q/1/").content.decode()

    assert "You started this survey earlier in this browser" in landing
    assert ">Continue" in landing
    assert again["Location"] == f"/s/{survey.share_token}/q/1/"
    assert AssessmentSession.objects.filter(survey=survey).count() == 1
    assert 'id="a-likes-people-2" name="a-likes-people" value="2" checked' in page


def test_the_responder_pages_work_like_the_owners(client, survey, htmx):
    _start(client, survey)

    saved = client.post(
        f"/s/{survey.share_token}/autosave/",
        {"item": "tidy", "a-tidy": "4", "shown": "tidy,hobbies,notes"},
        **htmx,
    )
    page = client.post(
        f"/s/{survey.share_token}/q/1/",
        {"shown": "likes-people,hosts", "a-likes-people": "3", "a-hosts": "no", "nav": "next"},
    )

    assert saved.status_code == 200 and "Saved" in saved.content.decode()
    assert page["Location"] == f"/s/{survey.share_token}/q/2/"
    assert Response.objects.filter(session__survey=survey).count() == 3


def test_without_a_cookie_the_taking_pages_send_to_the_landing_page(client, survey):
    for path in ("q/1/", "review/"):
        assert client.get(f"/s/{survey.share_token}/{path}")["Location"] == f"/s/{survey.share_token}/"


def test_submitting_thanks_the_responder_without_showing_results(client, survey):
    _start(client, survey)
    _answer_everything(client, survey)

    submitted = client.post(f"/s/{survey.share_token}/submit/")
    thanks = client.get(submitted["Location"])

    html = thanks.content.decode()
    assert submitted["Location"] == f"/s/{survey.share_token}/thanks/"
    assert thanks.status_code == 200
    assert "Your answers about sam were recorded anonymously." in html
    assert "/results/" not in html and "chart" not in html
    assert AssessmentSession.objects.get(survey=survey).status == "submitted"


def test_a_second_attempt_after_submitting_shows_the_already_answered_page(client, survey):
    _start(client, survey)
    _answer_everything(client, survey)
    client.post(f"/s/{survey.share_token}/submit/")

    landing = client.get(f"/s/{survey.share_token}/")
    start = _start(client, survey)
    page = client.get(f"/s/{survey.share_token}/q/1/")

    assert landing.status_code == 200
    assert "You have already answered this survey" in landing.content.decode()
    assert start.status_code == 200
    assert "You have already answered this survey" in start.content.decode()
    assert page["Location"] == f"/s/{survey.share_token}/thanks/"
    assert AssessmentSession.objects.filter(survey=survey).count() == 1


def test_another_person_on_the_same_network_and_browser_answers_and_is_flagged(client, survey):
    browser = {"HTTP_USER_AGENT": "Same browser", "REMOTE_ADDR": "10.1.1.1"}
    _start(client, survey, **browser)
    first = _answer_everything(client, survey)
    client.post(f"/s/{survey.share_token}/submit/", **browser)
    client.cookies.clear()  # a second person: the same address and browser, a fresh cookie jar

    started = _start(client, survey, **browser)
    second = _answer_everything(client, survey)
    submitted = client.post(f"/s/{survey.share_token}/submit/", **browser)

    assert started.status_code == 302 and started["Location"] == f"/s/{survey.share_token}/q/1/"
    assert submitted["Location"] == f"/s/{survey.share_token}/thanks/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.responder_fingerprint == second.responder_fingerprint
    assert (first.status, first.likely_duplicate) == ("submitted", False)
    assert (second.status, second.likely_duplicate) == ("submitted", True)


def test_a_tampered_cookie_is_a_new_responder_not_an_error(client, survey):
    _start(client, survey)
    session = AssessmentSession.objects.get(survey=survey)
    client.cookies[cookies.COOKIE_NAME] = session.responder_id + ":forged"

    landing = client.get(f"/s/{survey.share_token}/")
    page = client.get(f"/s/{survey.share_token}/q/1/")
    start = _start(client, survey, HTTP_USER_AGENT="Another browser")

    assert landing.status_code == 200
    assert ">Start" in landing.content.decode()
    assert "You started this survey earlier" not in landing.content.decode()
    assert page["Location"] == f"/s/{survey.share_token}/"
    assert start.status_code == 302
    assert AssessmentSession.objects.filter(survey=survey).count() == 2


def test_a_cookie_of_another_survey_is_not_accepted(client, user, survey, page_version):
    other = services.survey_create(owner=user, version=page_version)
    _start(client, other)

    assert client.get(f"/s/{survey.share_token}/q/1/")["Location"] == f"/s/{survey.share_token}/"


def test_a_closed_survey_shows_a_friendly_410_page(client, survey):
    services.survey_set_active(survey=survey, is_active=False)

    landing = client.get(f"/s/{survey.share_token}/")
    start = _start(client, survey)

    assert landing.status_code == 410
    assert "This survey is closed" in landing.content.decode()
    assert start.status_code == 410
    assert not AssessmentSession.objects.filter(survey=survey).exists()


def test_closing_a_survey_stops_answers_in_progress(client, survey):
    _start(client, survey)
    _answer_everything(client, survey)
    services.survey_set_active(survey=survey, is_active=False)

    page = client.get(f"/s/{survey.share_token}/q/1/")
    submit = client.post(f"/s/{survey.share_token}/submit/")

    assert page.status_code == 410
    assert submit.status_code == 410
    assert AssessmentSession.objects.get(survey=survey).status == "in_progress"


def test_a_full_survey_is_closed(client, survey):
    Survey.objects.filter(pk=survey.pk).update(max_responses=1)
    survey_response(survey, PAGE_ANSWERS, responder="first", score=False)

    response = client.get(f"/s/{survey.share_token}/")

    assert response.status_code == 410
    assert "maximum number of responses" in response.content.decode()


def test_submissions_are_rate_limited_per_ip(client, survey, monkeypatch):
    monkeypatch.setattr(throttle, "SURVEY_SUBMISSIONS_PER_HOUR", 1)
    ip = {"REMOTE_ADDR": "192.0.2.9"}
    _start(client, survey, **ip)
    _answer_everything(client, survey)
    assert client.post(f"/s/{survey.share_token}/submit/", **ip).status_code == 302
    client.cookies.clear()
    _start(client, survey, HTTP_USER_AGENT="Second browser", **ip)
    _answer_everything(client, survey)

    response = client.post(f"/s/{survey.share_token}/submit/", **ip)

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Please try again later" in response.content.decode()
    assert AssessmentSession.objects.filter(survey=survey, status="submitted").count() == 1


def test_the_owner_is_not_offered_to_answer_their_own_survey(user_client, survey):
    html = user_client.get(f"/s/{survey.share_token}/").content.decode()
    response = user_client.post(f"/s/{survey.share_token}/")

    assert "This is your own survey." in html
    assert response.status_code == 200
    assert not AssessmentSession.objects.filter(survey=survey).exists()


def test_responders_never_reach_results_or_the_survey_page(client, survey):
    _start(client, survey)
    session = _answer_everything(client, survey)
    client.post(f"/s/{survey.share_token}/submit/")
    services.run_score(run_id=session.runs.get().pk)

    for path in (f"/assessments/{session.pk}/results/", f"/surveys/{survey.pk}/"):
        assert client.get(path)["Location"].startswith("/accounts/login/")


def test_a_signed_in_responder_cannot_open_an_anonymous_session_as_their_own(client, other_user, survey):
    client.force_login(other_user)
    _start(client, survey)
    session = _answer_everything(client, survey)

    assert client.get(f"/assessments/{session.pk}/q/1/").status_code == 404


def test_the_responders_reachability_probe_gets_a_204(client, survey):
    _start(client, survey)

    response = client.head(f"/s/{survey.share_token}/autosave/")

    assert response.status_code == 204
