"""Another user's sessions and surveys do not exist for you (404); anonymous visitors log in."""

import pytest

from assessments import services
from assessments.models import AnalysisRun, Response
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners_session(user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)
    return session


@pytest.mark.parametrize("path", ["", "q/1/", "review/", "done/", "results/"])
def test_another_user_gets_a_404_for_every_page_of_a_session(client, other_user, owners_session, path):
    client.force_login(other_user)

    assert client.get(f"/assessments/{owners_session.pk}/{path}").status_code == 404


@pytest.mark.parametrize("path", ["autosave/", "submit/", "q/1/", "rescore/"])
def test_another_user_cannot_post_to_a_session(client, other_user, user, page_version, path, htmx):
    session = self_session(user, page_version)
    other_user.is_staff = True  # even staff: these are the owner's pages
    other_user.save()
    client.force_login(other_user)

    response = client.post(f"/assessments/{session.pk}/{path}", {"item": "tidy", "a-tidy": "3"}, **htmx)

    assert response.status_code == 404
    assert not Response.objects.filter(session=session).exists()


def test_another_user_cannot_retry_a_run(client, other_user, owners_session):
    run = AnalysisRun.objects.get(session=owners_session)
    other_user.is_staff = True
    other_user.save()
    client.force_login(other_user)

    assert client.post(f"/assessments/{owners_session.pk}/runs/{run.pk}/retry/").status_code == 404


@pytest.mark.parametrize("path", ["", "q/1/", "review/", "done/", "results/"])
def test_anonymous_visitors_are_sent_to_log_in(client, owners_session, path):
    response = client.get(f"/assessments/{owners_session.pk}/{path}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_user_gets_a_404_for_a_survey_page(client, user, other_user, page_version):
    survey = services.survey_create(owner=user, version=page_version)
    client.force_login(other_user)

    assert client.get(f"/surveys/{survey.pk}/").status_code == 404
    assert client.post(f"/surveys/{survey.pk}/status/", {"action": "close"}).status_code == 404
    survey.refresh_from_db()
    assert survey.is_active


def test_an_unknown_session_is_a_404(user_client):
    assert user_client.get("/assessments/00000000-0000-0000-0000-000000000000/results/").status_code == 404
