"""The anonymity promise: a survey's owner sees others' answers only as aggregates, only at or
above min-n (never below 3), with no row, id or timestamp of one responder — anywhere."""

import csv
import importlib
import io

import pytest
from django.db import IntegrityError, connection, transaction

from assessments import services
from assessments.models import AssessmentSession, Survey
from assessments.survey_exports import HEADER
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session, survey_response
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOW = {"q1": False, "q2": "1", "q3": "5", "q4": [], "q6": "Written by Alice, who sits next to you.", "q7": 0}
MID = {**VALID_ANSWERS, "q2": "2", "q6": "Bob here."}


@pytest.fixture
def answered(user):
    """A survey of `user` with three distinct anonymous answers, all scored."""
    survey = services.survey_create(owner=user, version=import_api_instrument())
    sessions = [
        survey_response(survey, LOW, responder="responder-token-aaaaaaaa"),
        survey_response(survey, MID, responder="responder-token-bbbbbbbb"),
        survey_response(survey, VALID_ANSWERS, responder="responder-token-cccccccc"),
    ]
    return survey, sessions


def export(client, survey) -> tuple[str, list[dict[str, str]]]:
    response = client.get(f"/api/v1/surveys/{survey.pk}/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return text, list(csv.DictReader(io.StringIO(text, newline="")))


# --------------------------------------------------------------------------- the CSV


def test_the_owners_export_holds_no_row_id_or_time_of_any_responder(api_client, user, answered):
    survey, sessions = answered
    api_client.force_login(user)

    text, rows = export(api_client, survey)

    assert tuple(rows[0]) == HEADER
    for session in AssessmentSession.objects.filter(pk__in=[s.pk for s in sessions]):
        assert str(session.pk) not in text
        assert session.responder_id not in text
        assert session.responder_fingerprint not in text
        for moment in (session.started_at, session.submitted_at, session.scored_at):
            assert moment.isoformat() not in text
            assert moment.strftime("%Y-%m-%d") not in text  # not even the day
    assert "Alice" not in text and "Bob" not in text  # free text is counted, never exported


def test_the_owners_export_has_n_mean_sd_and_distribution_per_item_and_dimension(api_client, user, answered):
    survey, _sessions = answered
    api_client.force_login(user)

    _text, rows = export(api_client, survey)

    by_key = {(row["kind"], row["key"]): row for row in rows}
    q2 = by_key[("item", "q2")]  # answers 1, 2, 4 on a five-point scale
    assert (q2["type"], q2["n"], q2["mean"]) == ("single_choice", "3", "2.333333")
    assert q2["sd"] == "1.527525"
    assert q2["distribution"] == "1=1|2=1|3=0|4=1|5=0"
    q1 = by_key[("item", "q1")]
    assert (q1["n"], q1["distribution"]) == ("3", "true=2|false=1")
    q4 = by_key[("item", "q4")]
    assert (q4["n"], q4["mean"], q4["distribution"]) == ("3", "", "read=2|hike=0|party=2|code=0")
    q6 = by_key[("item", "q6")]
    assert (q6["n"], q6["mean"], q6["distribution"]) == ("3", "", "")
    extraversion = by_key[("dimension", "extraversion")]
    assert extraversion["n"] == "3"
    assert float(extraversion["mean"]) == pytest.approx((1 + 8 + 7) / 3, abs=1)
    assert extraversion["distribution"].startswith("low=")
    assert len(rows) == 7 + 3  # seven items, three dimensions: no row per responder


def test_a_statistic_over_fewer_than_min_n_answers_stays_empty(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    for responder in ("r1", "r2", "r3"):
        survey_response(survey, VALID_ANSWERS, responder=responder, score=responder == "r1")
    api_client.force_login(user)

    _text, rows = export(api_client, survey)

    # Answers of three, but only one was scored yet: the dimension rows must not show it alone.
    dimension = next(row for row in rows if row["kind"] == "dimension")
    assert dimension["n"] == "1"
    assert dimension["mean"] == dimension["sd"] == dimension["distribution"] == ""


def test_below_min_n_there_is_no_export_at_all(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    survey_response(survey, VALID_ANSWERS, responder="r1")
    survey_response(survey, VALID_ANSWERS, responder="r2")
    api_client.force_login(user)

    response = api_client.get(f"/api/v1/surveys/{survey.pk}/export.csv")

    assert response.status_code == 403
    assert "at least 3 people" in response.json()["detail"]


def test_the_survey_page_offers_the_export_only_past_min_n(client, user, answered):
    survey, _sessions = answered
    lonely = services.survey_create(owner=user, version=survey.questionnaire_version)
    client.force_login(user)

    assert f'href="/api/v1/surveys/{survey.pk}/export.csv"' in client.get(f"/surveys/{survey.pk}/").text
    assert "export.csv" not in client.get(f"/surveys/{lonely.pk}/").text


def test_the_responders_notice_says_exports_hold_only_averages(client, answered):
    survey, _sessions = answered

    html = client.get(f"/s/{survey.share_token}/").text

    assert "exports hold the same averages, never your individual answers" in html


def test_staffs_questionnaire_export_leaves_out_anonymous_survey_answers(api_client, answered):
    survey, sessions = answered
    own = scored_session(UserFactory(), survey.questionnaire_version)
    api_client.force_login(UserFactory(is_staff=True))

    response = api_client.get("/api/v1/questionnaires/api-check/export.csv")
    text = b"".join(response.streaming_content).decode()

    assert str(own.pk) in text
    assert not any(str(session.pk) in text for session in sessions)


# --------------------------------------------------------------------------- the floor of min-n


def test_the_api_refuses_a_min_n_below_three(api_client, user):
    import_api_instrument()
    api_client.force_login(user)

    response = api_client.post(
        "/api/v1/surveys/", {"questionnaire": "api-check", "min_responses_to_show": 2}, format="json"
    )

    assert response.status_code == 400
    assert "min_responses_to_show" in response.json()["errors"]
    assert not Survey.objects.exists()


def test_the_service_refuses_a_min_n_below_three(user):
    with pytest.raises(services.AssessmentError, match="at least 3"):
        services.survey_create(owner=user, version=import_api_instrument(), min_responses_to_show=1)


def test_the_database_refuses_a_min_n_below_three(user):
    survey = services.survey_create(owner=user, version=import_api_instrument())

    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(min_responses_to_show=2)


def test_the_admin_refuses_a_min_n_below_three(client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/assessments/survey/{survey.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(min_responses_to_show="1", is_active="on")

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert "greater than or equal to 3" in response.text
    survey.refresh_from_db()
    assert survey.min_responses_to_show == 3


def test_the_migration_clamps_surveys_made_before_the_floor(user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    migration = importlib.import_module("assessments.migrations.0003_survey_min_responses_floor")
    with connection.cursor() as cursor:  # an old row, as it was before the constraint existed
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks block the ALTER
        cursor.execute("ALTER TABLE assessments_survey DROP CONSTRAINT survey_min_responses_floor")
        cursor.execute("UPDATE assessments_survey SET min_responses_to_show = 1 WHERE id = %s", [survey.pk])

    from django.apps import apps

    migration.clamp_min_responses(apps, None)

    survey.refresh_from_db()
    assert survey.min_responses_to_show == 3


# --------------------------------------------------------------------------- every other place


def test_the_owner_cannot_list_or_fetch_the_responders_sessions(api_client, user, answered):
    _survey, sessions = answered
    api_client.force_login(user)

    listed = api_client.get("/api/v1/sessions/").json()
    ids = {row["id"] for row in listed["results"]}

    assert not ids & {str(session.pk) for session in sessions}
    for session in sessions:
        for suffix in ("", "scores/", "runs/", "components/", "report/", "export.csv"):
            response = api_client.get(f"/api/v1/sessions/{session.pk}/{suffix}")
            assert response.status_code == 404, (suffix, response.status_code)
        assert api_client.get(f"/assessments/{session.pk}/results/").status_code == 404


def test_the_results_api_and_page_show_only_means_without_times(api_client, client, user, answered):
    survey, sessions = answered
    api_client.force_login(user)
    client.force_login(user)

    body = api_client.get(f"/api/v1/surveys/{survey.pk}/results/").content.decode()
    page = client.get(f"/surveys/{survey.pk}/").text

    for session in AssessmentSession.objects.filter(pk__in=[s.pk for s in sessions]):
        for text in (body, page):
            assert str(session.pk) not in text
            assert session.submitted_at.isoformat() not in text
            assert session.scored_at.isoformat() not in text


def test_anonymous_averages_of_a_subject_stay_hidden_below_the_floor(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    survey_response(survey, LOW, responder="r1")
    survey_response(survey, VALID_ANSWERS, responder="r2")
    api_client.force_login(user)

    averages = api_client.get(f"/api/v1/subjects/{survey.subject_id}/averages/").json()["averages"]

    assert [row for row in averages if row["respondent_kind"] == "anonymous"] == []


def test_the_survey_results_keep_others_hidden_below_the_floor(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument())
    survey_response(survey, LOW, responder="r1")
    survey_response(survey, VALID_ANSWERS, responder="r2")
    api_client.force_login(user)

    body = api_client.get(f"/api/v1/surveys/{survey.pk}/results/").json()

    assert body["shown"] is False
    assert all(row["others"] is None for row in body["dimensions"])


def test_the_dashboard_and_survey_list_show_no_responders_session(client, user, answered):
    survey, sessions = answered
    client.force_login(user)

    pages = client.get("/dashboard/").text + client.get("/surveys/").text

    assert str(survey.pk) in pages  # the survey is there, as a count
    for session in sessions:
        assert str(session.pk) not in pages


def test_a_cohort_of_a_surveys_answers_waits_for_that_surveys_min_n(api_client, user):
    survey = services.survey_create(owner=user, version=import_api_instrument(), min_responses_to_show=5)
    for n in range(4):
        survey_response(survey, VALID_ANSWERS, responder=f"r{n}")
    api_client.force_login(user)
    created = api_client.post(
        "/api/v1/cohorts/",
        {
            "display_name": "Friends",
            "questionnaire": "api-check",
            "source": "survey",
            "survey": str(survey.pk),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/cohorts/{created.json()['id']}/"

    before = api_client.get(url).json()["batch"]["dimensions"]
    survey_response(survey, VALID_ANSWERS, responder="r4")
    after = api_client.get(url).json()["batch"]["dimensions"]

    assert before == {}  # four of the five the responders were promised
    assert after["extraversion"]
