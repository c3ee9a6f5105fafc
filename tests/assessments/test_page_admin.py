"""The assessments admin: list pages render with few queries; scoring actions call the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import AnalysisRun, AssessmentSession
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session, survey_response
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def data(user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)
    survey = services.survey_create(owner=user, version=page_version)
    survey_response(survey, PAGE_ANSWERS, responder="r1")
    return session


@pytest.mark.parametrize(
    "model", ["subjectprofile", "survey", "assessmentsession", "analysisrun", "traitscore"]
)
def test_every_list_renders(client, admin_user, data, model):
    client.force_login(admin_user)

    assert client.get(f"/admin/assessments/{model}/").status_code == 200


def test_a_session_shows_its_answers_read_only(client, admin_user, data):
    client.force_login(admin_user)

    html = client.get(f"/admin/assessments/assessmentsession/{data.pk}/change/").content.decode()

    assert "likes-people" in html
    assert "Thanks." in html
    assert 'name="responses-0-value_text"' not in html  # not editable


def test_the_session_list_filters_by_status_kind_and_version(client, admin_user, data):
    client.force_login(admin_user)

    html = client.get(
        "/admin/assessments/assessmentsession/?status=scored&respondent_kind=self"
    ).content.decode()

    assert "1 assessment session" in html


def test_the_survey_list_shows_response_counts_in_constant_queries(
    client, admin_user, data, user, page_version
):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as one:
        html = client.get("/admin/assessments/survey/").content.decode()
    for _ in range(3):
        services.survey_create(owner=user, version=page_version)
    with CaptureQueriesContext(connection) as four:
        client.get("/admin/assessments/survey/")

    assert '<td class="field-responses">1</td>' in html
    assert len(one.captured_queries) == len(four.captured_queries)


def test_rescore_action_makes_a_new_run(client, admin_user, data):
    client.force_login(admin_user)
    run = AnalysisRun.objects.get(session=data)

    client.post("/admin/assessments/analysisrun/", {"action": "rescore", "_selected_action": [str(run.pk)]})

    assert AnalysisRun.objects.filter(session=data).count() == 2


def test_retry_action_retries_failed_runs_only(client, admin_user, data):
    client.force_login(admin_user)
    done = AnalysisRun.objects.get(session=data)
    failed = AnalysisRun.objects.create(session=data, status="failed", error="boom")

    client.post(
        "/admin/assessments/analysisrun/",
        {"action": "retry_failed", "_selected_action": [str(done.pk), str(failed.pk)]},
    )

    assert AnalysisRun.objects.filter(session=data).count() == 3
    assert AssessmentSession.objects.get(pk=data.pk).status == "scored"
