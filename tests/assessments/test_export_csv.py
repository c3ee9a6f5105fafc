"""assessments.exports: the CSV layout, values and formula-injection escaping."""

import csv
import io

import pytest

from assessments import exports, services
from assessments.models import AssessmentSession, SubjectProfile
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    scored_session,
    self_session,
    survey_response,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "session_id",
    "subject",
    "respondent_kind",
    "status",
    "started_at",
    "submitted_at",
    "score_version",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "q6",
    "q7",
    "extraversion",
    "sociability",
    "calm",
    "extraversion_normalized",
    "sociability_normalized",
    "calm_normalized",
]


def export(version, sessions) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    exports.write_sessions_csv(out, version, sessions)
    out.seek(0)
    reader = csv.DictReader(out)
    assert reader.fieldnames == HEADER
    return list(reader)


def test_the_header_lists_fixed_columns_items_in_order_then_dimensions():
    version = import_api_instrument()

    out = io.StringIO(newline="")
    count = exports.write_sessions_csv(out, version, AssessmentSession.objects.none())

    assert count == 0
    assert out.getvalue().splitlines() == [",".join(HEADER)]


def test_a_scored_session_has_its_answers_and_latest_scores():
    version = import_api_instrument()
    user = UserFactory(username="ada")
    session = scored_session(user, version, VALID_ANSWERS)
    run = session.runs.get()

    (row,) = export(version, AssessmentSession.objects.all())

    assert row["session_id"] == str(session.pk)
    assert row["subject"] == "ada"
    assert row["respondent_kind"] == "self"
    assert row["status"] == "scored"
    assert row["started_at"] == session.started_at.isoformat()
    assert row["submitted_at"] == session.submitted_at.isoformat()
    assert row["score_version"] == run.score_version
    assert [row[f"q{n}"] for n in range(1, 8)] == [
        "true",
        "4",
        "2",
        "party|read",
        "true",
        "Nothing much.",
        "8",
    ]
    scores = {score.dimension.slug: score for score in run.scores.select_related("dimension")}
    assert row["extraversion"] == "8"
    assert row["sociability"] == "4"
    assert float(row["calm"]) == pytest.approx(scores["calm"].raw_score)
    assert float(row["calm_normalized"]) == pytest.approx(scores["calm"].normalized_score, abs=1e-6)
    assert row["extraversion_normalized"] != ""


def test_an_unscored_session_has_empty_score_columns_and_unanswered_items_are_empty():
    version = import_api_instrument()
    self_session(UserFactory(), version, {"q1": False, "q7": 2.0})

    (row,) = export(version, AssessmentSession.objects.all())

    assert row["status"] == "in_progress"
    assert row["submitted_at"] == row["score_version"] == ""
    assert row["q1"] == "false"
    assert row["q7"] == "2"
    assert row["q2"] == row["q4"] == row["q6"] == ""
    assert row["extraversion"] == row["calm_normalized"] == ""


def test_the_latest_finished_run_is_exported_not_a_pending_one():
    version = import_api_instrument()
    session = scored_session(UserFactory(), version, VALID_ANSWERS)
    done = session.runs.get()
    services.run_rescore(session=session)  # pending

    (row,) = export(version, AssessmentSession.objects.all())

    assert row["score_version"] == done.score_version
    assert row["extraversion"] == "8"


def test_there_is_one_row_per_session_each_with_its_own_answers():
    version = import_api_instrument()
    sessions = {}
    for number in range(12):
        answers = {**VALID_ANSWERS, "q7": number % 11, "q6": f"session {number}"}
        session = (
            scored_session(UserFactory(), version, answers)
            if number % 3
            else self_session(UserFactory(), version, answers)
        )
        sessions[str(session.pk)] = answers

    rows = export(version, AssessmentSession.objects.all())

    assert len(rows) == 12
    assert [row["session_id"] for row in rows] == sorted(sessions)
    for row in rows:
        assert row["q6"] == sessions[row["session_id"]]["q6"]
        assert row["q7"] == str(sessions[row["session_id"]]["q7"])
        assert (row["extraversion"] != "") == (row["status"] == "scored")


def test_cells_that_look_like_formulas_are_escaped():
    version = import_api_instrument()
    user = UserFactory()
    SubjectProfile.objects.create(user=user, owner=user, display_name="@SUM(A1:A9)")
    for text in ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@cmd", "\tTab", "plain = fine"):
        self_session(user, version, {"q6": text})

    rows = export(version, AssessmentSession.objects.all())

    assert {row["subject"] for row in rows} == {"'@SUM(A1:A9)"}
    assert sorted(row["q6"] for row in rows) == sorted(
        ['\'=HYPERLINK("http://evil")', "'+1+1", "'-2+3", "'@cmd", "'\tTab", "plain = fine"]
    )


def test_anonymous_responders_are_exported_without_ids_or_fingerprints():
    version = import_api_instrument()
    survey = services.survey_create(owner=UserFactory(), version=version)
    survey_response(survey, VALID_ANSWERS, responder="cookie-secret-123")

    out = io.StringIO(newline="")
    exports.write_sessions_csv(out, version, AssessmentSession.objects.filter(survey=survey))

    text = out.getvalue()
    assert "cookie-secret-123" not in text
    assert "fp-cookie-secret-123" not in text
    assert ",anonymous,scored," in text


def test_sessions_of_other_versions_are_left_out():
    version = import_api_instrument()
    other = import_api_instrument(slug="other-check")
    self_session(UserFactory(), other, VALID_ANSWERS)

    assert export(version, AssessmentSession.objects.all()) == []


def test_the_stream_yields_the_same_text_as_the_file_writer():
    version = import_api_instrument()
    for _ in range(3):
        scored_session(UserFactory(), version, VALID_ANSWERS)
    out = io.StringIO(newline="")
    exports.write_sessions_csv(out, version, AssessmentSession.objects.all())

    streamed = "".join(exports.stream_sessions_csv(version, AssessmentSession.objects.all()))

    assert streamed == out.getvalue()
