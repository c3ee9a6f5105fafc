"""The fair duplicate rule: the signed cookie refuses a second answer from one browser; the
network-and-browser fingerprint only marks an answer as a likely duplicate. Marked answers are
kept, counted separately, excludable by the owner, and never count towards the min-n floor."""

import csv
import io

import pytest

from assessments import selectors, services
from assessments.benchmarks import cohorts
from assessments.models import AssessmentSession
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, survey_response

pytestmark = pytest.mark.django_db

LOW = {"q1": False, "q2": "1", "q3": "5", "q4": [], "q7": 0}
SHARED_FINGERPRINT = "f" * 64


def answer(survey, answers, *, responder: str, fingerprint: str) -> AssessmentSession:
    """A responder's answers, submitted and scored, from a browser with `fingerprint`."""
    session = services.survey_session_for_responder(
        survey=survey, responder_id=responder, fingerprint=fingerprint
    )
    services.responses_save(session=session, answers=answers)
    run = services.session_submit(session=session)
    services.run_score(run_id=run.pk)
    session.refresh_from_db()
    return session


@pytest.fixture
def survey(user):
    return services.survey_create(owner=user, version=import_api_instrument())


def results(client, survey) -> dict:
    response = client.get(f"/api/v1/surveys/{survey.pk}/results/")
    assert response.status_code == 200
    return response.json()


# --------------------------------------------------------------------------- flagging


def test_a_second_answer_with_the_same_fingerprint_is_kept_and_flagged(survey):
    first = answer(survey, VALID_ANSWERS, responder="responder-one-aaaaaa", fingerprint=SHARED_FINGERPRINT)
    second = answer(survey, LOW, responder="responder-two-bbbbbb", fingerprint=SHARED_FINGERPRINT)

    assert first.likely_duplicate is False
    assert second.likely_duplicate is True
    assert second.status == AssessmentSession.Status.SCORED


def test_an_unfinished_session_with_the_same_fingerprint_flags_nobody(survey):
    services.survey_session_for_responder(
        survey=survey, responder_id="responder-abandoned-a", fingerprint=SHARED_FINGERPRINT
    )

    later = answer(survey, LOW, responder="responder-later-bbbbb", fingerprint=SHARED_FINGERPRINT)

    assert later.likely_duplicate is False


def test_the_same_cookie_is_still_refused_after_submitting(survey):
    answer(survey, VALID_ANSWERS, responder="responder-one-aaaaaa", fingerprint=SHARED_FINGERPRINT)

    with pytest.raises(services.AlreadyResponded):
        services.survey_session_for_responder(
            survey=survey, responder_id="responder-one-aaaaaa", fingerprint="another"
        )


def test_answers_through_an_invitation_are_never_flagged(survey):
    answer(survey, VALID_ANSWERS, responder="responder-one-aaaaaa", fingerprint=SHARED_FINGERPRINT)
    [invitation] = services.invitations_create(survey=survey, count=1)
    session = services.survey_session_for_responder(
        survey=survey,
        responder_id="responder-two-bbbbbb",
        fingerprint=SHARED_FINGERPRINT,
        invitation_token=invitation.token,
    )
    services.responses_save(session=session, answers=LOW)
    services.session_submit(session=session)

    session.refresh_from_db()
    assert session.likely_duplicate is False


# --------------------------------------------------------------------------- results and the floor


def test_results_count_likely_duplicates_separately(api_client, user, survey):
    for number in range(3):
        answer(survey, VALID_ANSWERS, responder=f"responder-{number}-aaaaaa", fingerprint=f"fp-{number}")
    answer(survey, LOW, responder="responder-dupe-bbbbbb", fingerprint="fp-0")
    api_client.force_login(user)

    body = results(api_client, survey)
    detail = api_client.get(f"/api/v1/surveys/{survey.pk}/").json()

    assert body["responses"] == 4
    assert body["likely_duplicates"] == 1
    assert body["duplicates_excluded"] is False
    assert body["shown"] is True
    by_slug = {row["dimension"]: row for row in body["dimensions"]}
    assert by_slug["extraversion"]["others"]["n"] == 4
    assert by_slug["extraversion"]["others"]["mean_raw"] == pytest.approx((8 + 8 + 8 + 1) / 4)
    assert (detail["response_count"], detail["duplicate_count"]) == (4, 1)


def test_the_owner_can_leave_likely_duplicates_out(api_client, user, survey):
    for number in range(3):
        answer(survey, VALID_ANSWERS, responder=f"responder-{number}-aaaaaa", fingerprint=f"fp-{number}")
    answer(survey, LOW, responder="responder-dupe-bbbbbb", fingerprint="fp-0")
    api_client.force_login(user)

    patched = api_client.patch(
        f"/api/v1/surveys/{survey.pk}/", {"exclude_likely_duplicates": True}, format="json"
    )
    body = results(api_client, survey)

    assert patched.status_code == 200
    assert patched.json()["exclude_likely_duplicates"] is True
    assert body["responses"] == 3
    assert body["likely_duplicates"] == 1
    assert body["duplicates_excluded"] is True
    by_slug = {row["dimension"]: row for row in body["dimensions"]}
    assert by_slug["extraversion"]["others"]["n"] == 3
    assert by_slug["extraversion"]["others"]["mean_raw"] == pytest.approx(8.0)


def test_likely_duplicates_never_make_up_the_min_n_floor(api_client, user, survey):
    answer(survey, VALID_ANSWERS, responder="responder-one-aaaaaa", fingerprint=SHARED_FINGERPRINT)
    answer(survey, LOW, responder="responder-two-bbbbbb", fingerprint="fp-other")
    answer(survey, LOW, responder="responder-dup-cccccc", fingerprint=SHARED_FINGERPRINT)
    api_client.force_login(user)

    body = results(api_client, survey)
    export = api_client.get(f"/api/v1/surveys/{survey.pk}/export.csv")

    assert body["responses"] == 3  # included in the numbers...
    assert body["likely_duplicates"] == 1
    assert body["shown"] is False  # ...but only two distinct-looking people: below min-n 3
    assert all(row["others"] is None for row in body["dimensions"])
    assert export.status_code == 403
    assert "likely duplicates not counted" in export.json()["detail"]


def test_the_export_leaves_out_excluded_duplicates(api_client, user, survey):
    for number in range(3):
        answer(survey, VALID_ANSWERS, responder=f"responder-{number}-aaaaaa", fingerprint=f"fp-{number}")
    answer(survey, LOW, responder="responder-dupe-bbbbbb", fingerprint="fp-0")
    api_client.force_login(user)

    def q1_row():
        response = api_client.get(f"/api/v1/surveys/{survey.pk}/export.csv")
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode()
        return next(row for row in csv.DictReader(io.StringIO(text)) if row["key"] == "q1")

    included = q1_row()
    services.survey_update_settings(survey=survey, exclude_likely_duplicates=True)
    excluded = q1_row()

    # Included, a row needs min-n answers besides the duplicate: 4 answers >= 3 + 1.
    assert (included["n"], included["distribution"]) == ("4", "true=3|false=1")
    assert (excluded["n"], excluded["distribution"]) == ("3", "true=3|false=0")


def test_a_survey_cohort_leaves_likely_duplicates_out(user, survey):
    for number in range(3):
        answer(survey, VALID_ANSWERS, responder=f"responder-{number}-aaaaaa", fingerprint=f"fp-{number}")
    duplicate = answer(survey, LOW, responder="responder-dupe-bbbbbb", fingerprint="fp-0")
    cohort = cohorts.cohort_create(
        owner=user,
        display_name="Friends",
        version=survey.questionnaire_version,
        source="survey",
        survey_id=survey.pk,
    )

    sessions = cohorts.cohort_sessions(cohort, survey.questionnaire_version)

    assert sessions.count() == 3
    assert duplicate not in sessions


def test_the_independent_count_does_not_need_annotations(survey):
    answer(survey, VALID_ANSWERS, responder="responder-one-aaaaaa", fingerprint=SHARED_FINGERPRINT)
    answer(survey, LOW, responder="responder-dup-cccccc", fingerprint=SHARED_FINGERPRINT)
    survey_response(survey, LOW, responder="responder-thr-dddddd")

    assert selectors.survey_independent_count(survey) == 2
    assert selectors.survey_sessions_counted(survey).count() == 3


def test_subject_averages_leave_likely_duplicates_out(api_client, user, survey):
    answer(survey, VALID_ANSWERS, responder="responder-one-aaaaaa", fingerprint=SHARED_FINGERPRINT)
    answer(survey, VALID_ANSWERS, responder="responder-two-bbbbbb", fingerprint="fp-other")
    answer(survey, LOW, responder="responder-dup-cccccc", fingerprint=SHARED_FINGERPRINT)
    subject = survey.subject
    api_client.force_login(user)

    hidden = api_client.get(f"/api/v1/subjects/{subject.pk}/averages/").json()
    answer(survey, VALID_ANSWERS, responder="responder-thr-dddddd", fingerprint="fp-third")
    shown = api_client.get(f"/api/v1/subjects/{subject.pk}/averages/").json()

    anonymous = [row for row in shown["averages"] if row["respondent_kind"] == "anonymous"]
    assert not [row for row in hidden["averages"] if row["respondent_kind"] == "anonymous"]
    extraversion = next(row for row in anonymous if row["dimension"] == "extraversion")
    assert extraversion["session_count"] == 3
    assert extraversion["mean_raw"] == pytest.approx(8.0)  # the duplicate's 1 is not in it
