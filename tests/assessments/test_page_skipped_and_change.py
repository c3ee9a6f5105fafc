"""Going past unanswered required questions is allowed and said on the next page; "Change" on
the review brings the respondent back to the review after saving."""

import pytest

from assessments import selectors, services
from assessments.models import AssessmentSession
from tests.assessments.factories import PAGE_ANSWERS, self_session

pytestmark = pytest.mark.django_db


def test_save_and_continue_past_an_unanswered_required_question_says_so_on_the_next_page(
    user_client, user, page_version
):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/1/",
        {"shown": "likes-people,hosts", "a-hosts": "no", "nav": "next"},
    )
    html = user_client.get(response["Location"]).content.decode()

    assert response.status_code == 302  # the respondent may go on, as before
    assert response["Location"] == f"/assessments/{session.pk}/q/2/?skipped=1"
    assert "One required question on the previous page is unanswered" in html
    assert f'href="/assessments/{session.pk}/q/1/#q-likes-people"' in html
    assert "1. I like meeting people." in html


def test_the_skipped_notice_goes_away_once_the_question_is_answered(user_client, user, page_version):
    session = self_session(user, page_version, {"likes-people": "3", "hosts": False})

    html = user_client.get(f"/assessments/{session.pk}/q/2/?skipped=1").content.decode()

    assert "required question" not in html


def test_a_complete_page_moves_on_without_a_notice(user_client, user, page_version):
    session = self_session(user, page_version)

    response = user_client.post(
        f"/assessments/{session.pk}/q/1/",
        {"shown": "likes-people,hosts", "a-likes-people": "4", "a-hosts": "no", "nav": "next"},
    )

    assert response["Location"] == f"/assessments/{session.pk}/q/2/"


@pytest.mark.parametrize("skipped", ["99", "abc", "-1", "1" * 40])
def test_a_meaningless_skipped_parameter_is_ignored(user_client, user, page_version, skipped):
    session = self_session(user, page_version)

    response = user_client.get(f"/assessments/{session.pk}/q/2/", {"skipped": skipped})

    assert response.status_code == 200
    assert "required question" not in response.content.decode()


def test_change_on_the_review_links_to_the_question_and_back(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)

    review = user_client.get(f"/assessments/{session.pk}/review/").content.decode()
    page = user_client.get(f"/assessments/{session.pk}/q/1/?return=review").content.decode()

    assert f'href="/assessments/{session.pk}/q/1/?return=review#q-likes-people"' in review
    assert '<input type="hidden" name="return" value="review">' in page
    assert "Save and return to review" in page


def test_saving_a_changed_answer_returns_to_the_review(user_client, user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)

    response = user_client.post(
        f"/assessments/{session.pk}/q/1/",
        {
            "shown": "likes-people,hosts,host-size",
            "a-likes-people": "2",
            "a-hosts": "yes",
            "a-host-size": "6",
            "return": "review",
            "nav": "next",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{session.pk}/review/"  # not on to page 2
    assert selectors.session_answers(session)["likes-people"].option == "2"


def test_an_invalid_changed_answer_stays_on_the_page_still_headed_for_the_review(
    user_client, user, page_version
):
    session = self_session(user, page_version, PAGE_ANSWERS)

    response = user_client.post(
        f"/assessments/{session.pk}/q/2/",
        {
            "shown": "tidy,hobbies,notes",
            "a-tidy": "7",
            "a-hobbies": ["read", "garden", "party"],
            "return": "review",
            "nav": "next",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose at most 2 options." in html
    assert '<input type="hidden" name="return" value="review">' in html


def test_a_survey_responder_also_returns_to_the_review(client, user, page_version):
    survey = services.survey_create(owner=user, version=page_version)
    client.post(f"/s/{survey.share_token}/")
    session = AssessmentSession.objects.get(survey=survey)
    services.responses_save(session=session, answers=PAGE_ANSWERS)

    review = client.get(f"/s/{survey.share_token}/review/").content.decode()
    response = client.post(
        f"/s/{survey.share_token}/q/1/",
        {
            "shown": "likes-people,hosts,host-size",
            "a-likes-people": "1",
            "a-hosts": "yes",
            "a-host-size": "4",
            "return": "review",
            "nav": "next",
        },
    )

    assert f'href="/s/{survey.share_token}/q/1/?return=review#q-likes-people"' in review
    assert response["Location"] == f"/s/{survey.share_token}/review/"
