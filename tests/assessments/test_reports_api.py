"""GET /api/v1/sessions/{id}/report/: the stored report of a session's run, for its owner or staff,
and the results page's link to it."""

from __future__ import annotations

import io
import json

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import AnalysisReport, AnalysisRun, AssessmentSession
from questionnaires import selectors as questionnaire_selectors
from tests.assessments.factories import PAGE_ANSWERS, score_now, self_session, survey_response

pytestmark = pytest.mark.django_db


def report_url(session, **query) -> str:
    url = f"/api/v1/sessions/{session.pk}/report/"
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


@pytest.fixture
def scored(user, page_version):
    session = self_session(user, page_version, PAGE_ANSWERS)
    score_now(session)
    return session


@pytest.fixture
def ipip_de(user):
    """The user's IPIP-50 self-assessment in German, scored."""
    call_command("load_instruments", stdout=io.StringIO())
    version = questionnaire_selectors.version_active(questionnaire_slug="ipip-50")
    session = services.session_start(
        subject=services.subject_get_or_create_for_user(user=user),
        version=version,
        respondent_kind=AssessmentSession.RespondentKind.SELF,
        respondent_user=user,
        locale="de",
    )
    items = version.items.order_by("sort_order", "id")
    answers = {item.key: str(1 + (position * 3) % 5) for position, item in enumerate(items)}
    services.responses_save(session=session, answers=answers)
    score_now(session)
    return session


def test_the_markdown_report_is_text_markdown_in_the_sessions_language(api_client, user, ipip_de):
    api_client.force_login(user)

    response = api_client.get(report_url(ipip_de, format="markdown"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Language"] == "de"
    assert response["Content-Disposition"] == 'inline; filename="ipip-50-report-de.md"'
    text = response.content.decode()
    assert text.startswith("# IPIP Big-Five-Faktormarker (50 Aussagen) — Ergebnisse\n")
    for name in ("Extraversion", "Verträglichkeit", "Gewissenhaftigkeit", "Emotionale Stabilität"):
        assert f"\n## {name} — " in text
    assert text == AnalysisReport.objects.get(format="markdown").content


def test_lang_chooses_the_language(api_client, user, ipip_de):
    api_client.force_login(user)

    text = api_client.get(report_url(ipip_de, format="markdown", lang="en")).content.decode()

    assert text.startswith("# IPIP Big-Five Factor Markers (50 items) — results\n")
    assert "\n## Conscientiousness — " in text


def test_the_json_report_is_the_stored_content(api_client, user, ipip_de):
    api_client.force_login(user)

    response = api_client.get(report_url(ipip_de, format="json", lang="de"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    stored = AnalysisReport.objects.get(format="json", locale="de")
    assert response.content.decode() == stored.content
    assert data["run"] == str(stored.run_id) and data["questionnaire"]["slug"] == "ipip-50"
    assert {"dimensions", "composites", "score_version", "generated_at"} <= set(data)


def test_markdown_is_the_default_format(api_client, user, scored):
    api_client.force_login(user)

    response = api_client.get(report_url(scored))

    assert response["Content-Type"] == "text/markdown; charset=utf-8"


def test_the_second_request_reads_the_stored_report(api_client, user, scored):
    api_client.force_login(user)
    url = report_url(scored, format="markdown", lang="de")

    with CaptureQueriesContext(connection) as first_queries:
        first = api_client.get(url)
    with CaptureQueriesContext(connection) as second_queries:
        second = api_client.get(url)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert AnalysisReport.objects.count() == 1
    assert len(second_queries) < len(first_queries)
    assert not any("INSERT" in query["sql"] for query in second_queries.captured_queries)


def test_run_chooses_the_run_and_a_rescore_gets_its_own_report(api_client, user, scored):
    api_client.force_login(user)
    old_run = AnalysisRun.objects.get(session=scored)
    old = api_client.get(report_url(scored)).content.decode()
    new_run = services.run_rescore(session=scored)

    pending_meanwhile = api_client.get(report_url(scored)).content.decode()  # the last finished run
    services.run_score(run_id=new_run.pk)
    new = api_client.get(report_url(scored)).content.decode()
    again_old = api_client.get(report_url(scored, run=old_run.pk)).content.decode()

    assert pending_meanwhile == old and again_old == old
    assert f"run {old_run.pk}" in old and f"run {new_run.pk}" in new
    assert sorted(AnalysisReport.objects.values_list("run_id", flat=True)) == sorted([old_run.pk, new_run.pk])


def test_a_session_not_scored_yet_is_a_409(api_client, user, page_version):
    api_client.force_login(user)
    unsubmitted = self_session(user, page_version, PAGE_ANSWERS)
    submitted = self_session(user, page_version, PAGE_ANSWERS)
    services.session_submit(session=submitted)  # queued, not scored

    for session in (unsubmitted, submitted):
        response = api_client.get(report_url(session, format="markdown"))

        assert response.status_code == 409
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]
    assert response.json() == {"detail": "The scores are not ready yet."}
    assert not AnalysisReport.objects.exists()


def test_another_users_session_is_a_404(api_client, other_user, scored):
    api_client.force_login(other_user)

    response = api_client.get(report_url(scored, format="markdown"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert not AnalysisReport.objects.exists()


def test_another_sessions_run_is_a_404(api_client, user, page_version, scored):
    api_client.force_login(user)
    other = self_session(user, page_version, PAGE_ANSWERS)
    other_run = score_now(other)

    response = api_client.get(report_url(scored, run=other_run.pk))

    assert response.status_code == 404


def test_staff_can_read_anyones_report(api_client, staff_user, scored):
    api_client.force_login(staff_user)

    response = api_client.get(report_url(scored, format="json"))

    assert response.status_code == 200
    assert json.loads(response.content)["session"] == str(scored.pk)


def test_anonymous_is_refused(api_client, scored):
    response = api_client.get(report_url(scored))

    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    ("query", "field"),
    [({"format": "html"}, "format"), ({"format": "pdf"}, "format"), ({"run": "nope"}, "run")],
)
def test_an_unknown_format_or_bad_run_is_a_400(api_client, user, scored, query, field):
    api_client.force_login(user)

    response = api_client.get(report_url(scored, **query), HTTP_ACCEPT="text/markdown")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["errors"]


def test_the_format_parameter_wins_over_the_accept_header(api_client, user, scored):
    api_client.force_login(user)

    response = api_client.get(report_url(scored, format="markdown"), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"


def test_the_results_page_links_to_the_markdown_report(user_client, scored):
    run = AnalysisRun.objects.get(session=scored)

    html = user_client.get(f"/assessments/{scored.pk}/results/").content.decode()

    href = f"/api/v1/sessions/{scored.pk}/report/?format=markdown&amp;lang=en&amp;run={run.pk}"
    assert f'href="{href}"' in html
    assert "Download report (Markdown)" in html
    assert user_client.get(href.replace("&amp;", "&")).status_code == 200


def test_the_report_endpoint_is_documented(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())

    operation = schema["paths"]["/api/v1/sessions/{session_id}/report/"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/markdown", "application/json"}
    for status in ("400", "404", "409"):
        assert set(operation["responses"][status]["content"]) == {"application/json"}
    assert {"format", "lang", "run"} <= {parameter["name"] for parameter in operation["parameters"]}


def test_staff_cannot_read_an_anonymous_responders_own_report(api_client, staff_user, user, page_version):
    # Anonymous survey answers are only ever shown in aggregate, to staff too.
    survey = services.survey_create(owner=user, version=page_version)
    session = survey_response(survey, PAGE_ANSWERS, responder="friend-1")
    api_client.force_login(staff_user)

    response = api_client.get(report_url(session, format="json"))

    assert response.status_code == 404
    assert not AnalysisReport.objects.exists()
