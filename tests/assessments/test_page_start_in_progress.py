"""Starting a questionnaire already in progress continues it; "Start again" sets it aside."""

import pytest

from assessments.models import AssessmentSession, QuestionnaireEventLog
from tests.assessments.factories import self_session

pytestmark = pytest.mark.django_db


def test_start_with_an_unfinished_attempt_continues_it(user_client, user, page_version):
    unfinished = self_session(user, page_version, {"likes-people": "3"})

    response = user_client.post("/questionnaires/page-check/")

    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{unfinished.pk}/"  # resume: first unanswered page
    assert AssessmentSession.objects.filter(subject__user=user).count() == 1


def test_the_start_page_offers_continue_and_a_confirmed_start_again(user_client, user, page_version):
    unfinished = self_session(user, page_version)

    html = user_client.get("/questionnaires/page-check/").content.decode()

    assert f'href="/assessments/{unfinished.pk}/"' in html
    assert "You have an unfinished attempt" in html
    assert '<input type="hidden" name="restart" value="1">' in html
    assert "data-confirm=" in html


def test_start_again_abandons_the_unfinished_attempt_and_starts_a_new_one(user_client, user, page_version):
    unfinished = self_session(user, page_version, {"likes-people": "3"})

    response = user_client.post("/questionnaires/page-check/", {"restart": "1"})

    new = AssessmentSession.objects.exclude(pk=unfinished.pk).get()
    unfinished.refresh_from_db()
    assert response["Location"] == f"/assessments/{new.pk}/q/1/"
    assert new.status == AssessmentSession.Status.IN_PROGRESS
    assert unfinished.status == AssessmentSession.Status.ABANDONED
    assert unfinished.responses.count() == 1  # kept, only set aside
    assert QuestionnaireEventLog.objects.filter(session=unfinished, event="abandoned").exists()
    assert (
        AssessmentSession.objects.filter(
            subject__user=user, status=AssessmentSession.Status.IN_PROGRESS
        ).count()
        == 1
    )


def test_another_users_unfinished_attempt_is_not_continued(user_client, user, other_user, page_version):
    others = self_session(other_user, page_version)

    response = user_client.post("/questionnaires/page-check/")

    mine = AssessmentSession.objects.get(subject__user=user)
    assert mine.pk != others.pk
    assert response["Location"] == f"/assessments/{mine.pk}/q/1/"


def test_a_finished_attempt_does_not_stop_a_new_start(user_client, user, page_version):
    finished = self_session(user, page_version)
    AssessmentSession.objects.filter(pk=finished.pk).update(status=AssessmentSession.Status.SCORED)

    response = user_client.post("/questionnaires/page-check/")

    assert AssessmentSession.objects.filter(subject__user=user).count() == 2
    assert response["Location"].endswith("/q/1/")


def test_the_api_still_creates_a_session_each_time(api_client, user, page_version):
    api_client.force_authenticate(user)
    self_session(user, page_version)

    response = api_client.post("/api/v1/sessions/", {"questionnaire": "page-check"}, format="json")

    assert response.status_code == 201
    assert AssessmentSession.objects.filter(subject__user=user).count() == 2


def test_an_attempt_set_aside_by_start_again_leaves_the_dashboard(user_client, user, page_version):
    self_session(user, page_version, {"likes-people": "3"})
    user_client.post("/questionnaires/page-check/", {"restart": "1"})

    html = user_client.get("/dashboard/").content.decode()

    assert html.count('<strong class="dash-item-title">Page check</strong>') == 1  # the new attempt
    assert "Abandoned" not in html
