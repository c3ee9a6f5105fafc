"""mindscape_rebuild: scores, survey aggregates and work sessions mapped into the dot-path tree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import AssessmentSession, TraitScore
from personai.outbox import OutboxTask, relay, run_task
from personas import paths
from personas.models import Mindscape
from personas.paths import get_path
from personas.services import mindscapes, observations
from questionnaires.models import QuestionnaireVersion
from tests.assessments.factories import (
    VALID_ANSWERS,
    import_api_instrument,
    scored_session,
    self_session,
    survey_response,
    valid_answers_for,
)

pytestmark = pytest.mark.django_db

LOW = {"q1": False, "q2": "1", "q3": "5", "q4": [], "q7": 0}


def _builtin(slug: str) -> QuestionnaireVersion:
    call_command("load_instruments", verbosity=0)
    return QuestionnaireVersion.objects.get(questionnaire__slug=slug, is_active=True)


def _answers(version: QuestionnaireVersion, pick: int) -> dict:
    """Every item answered with its option number `pick` (0-based, clamped)."""
    answers = {}
    for item in version.items.select_related("bank_item").prefetch_related("bank_item__options"):
        options = [option.key for option in item.bank_item.options.all()]
        answers[item.key] = options[min(pick, len(options) - 1)]
    return answers


def _rebuild(subject) -> Mindscape:
    return mindscapes.mindscape_rebuild(subject_id=subject.pk)


def test_an_ipip_neo_120_run_fills_big_five_domains_facets_and_the_questionnaire(user):
    version = _builtin("ipip-neo-120")
    session = scored_session(user, version, _answers(version, 3))
    run = session.runs.get()

    mindscape = _rebuild(session.subject)

    traits = mindscape.traits
    neuroticism = TraitScore.objects.get(run=run, dimension__slug="neuroticism")
    assert get_path(traits, "big_five.neuroticism") == {
        "score": neuroticism.normalized_score,
        "raw": neuroticism.raw_score,
        "band": neuroticism.band,
        "band_label": neuroticism.band_label,
        "facets": get_path(traits, "big_five.neuroticism.facets"),
    }
    assert set(traits["big_five"]) == {
        "neuroticism",
        "extraversion",
        "openness",
        "agreeableness",
        "conscientiousness",
    }
    assert len(get_path(traits, "big_five.openness.facets")) == 6
    anxiety = TraitScore.objects.get(run=run, dimension__slug="n1-anxiety")
    assert get_path(traits, "big_five.neuroticism.facets.n1_anxiety.score") == anxiety.normalized_score
    assert get_path(traits, "questionnaires.ipip_neo_120.n1_anxiety.raw") == anxiety.raw_score
    assert get_path(traits, "questionnaires.ipip_neo_120.completed_at") == session.submitted_at.isoformat()
    source = mindscape.sources["big_five.openness.score"]
    assert source == {
        "kind": "assessment",
        "questionnaire": "ipip-neo-120",
        "session_id": str(session.pk),
        "run_id": str(run.pk),
        "at": run.finished_at.isoformat(),
    }
    # Every leaf has its source, and every source names a leaf.
    assert set(mindscape.sources) == {path for path, _ in paths.iter_leaves(traits)}


def test_a_disc_run_fills_the_four_styles_and_the_primary_style(user):
    version = _builtin("disc")
    session = scored_session(user, version, valid_answers_for(version))  # always option "a": D

    traits = _rebuild(session.subject).traits

    assert set(traits["disc"]) == {"d", "i", "s", "c", "primary_style"}
    d = TraitScore.objects.get(run__session=session, dimension__slug="d")
    assert traits["disc"]["primary_style"] == "d"
    assert traits["disc"]["d"] == {
        "score": d.normalized_score,
        "raw": d.raw_score,
        "band": d.band,
        "band_label": d.band_label,
    }
    assert traits["disc"]["d"]["score"] > traits["disc"]["s"]["score"]
    assert set(traits["questionnaires"]["disc"]) == {"d", "i", "s", "c", "completed_at"}


def test_ipip_50_emotional_stability_becomes_neuroticism_inverted(user):
    version = _builtin("ipip-50")
    session = scored_session(user, version, _answers(version, 4))
    stability = TraitScore.objects.get(run__session=session, dimension__slug="emotional-stability")

    traits = _rebuild(session.subject).traits

    neuroticism = traits["big_five"]["neuroticism"]
    assert neuroticism["score"] == pytest.approx(100 - stability.normalized_score)
    assert neuroticism["raw"] == 10 + 50 - stability.raw_score
    expected_band = {"low": "high", "high": "low"}.get(stability.band, stability.band)
    assert neuroticism["band"] == expected_band
    assert neuroticism["band_label"] == expected_band.capitalize()
    assert "openness" in traits["big_five"]  # from intellect
    assert "emotional_stability" in traits["questionnaires"]["ipip_50"]  # as answered, not inverted


def test_only_the_latest_finished_run_of_a_questionnaire_counts(user):
    version = import_api_instrument()
    first = scored_session(user, version, LOW)
    second = scored_session(user, version, VALID_ANSWERS)
    latest = TraitScore.objects.get(run__session=second, dimension__slug="extraversion")
    assert first.subject_id == second.subject_id

    traits = _rebuild(second.subject).traits

    assert traits["questionnaires"]["api_check"]["extraversion"]["raw"] == latest.raw_score


def test_a_session_in_progress_or_an_observer_session_is_not_the_subjects_own(user):
    version = import_api_instrument()
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    self_session(user, version, VALID_ANSWERS)  # answered, never submitted
    survey = assessment_services.survey_create(owner=user, version=version)
    survey_response(survey, VALID_ANSWERS, responder="r1")

    mindscape = _rebuild(subject)

    assert "questionnaires" not in mindscape.traits
    assert "others" not in mindscape.traits  # one responder is below min-n


def test_survey_aggregates_appear_only_once_the_survey_reaches_its_min_n(user):
    version = import_api_instrument()
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    survey = assessment_services.survey_create(owner=user, version=version, min_responses_to_show=3)
    survey_response(survey, LOW, responder="r1")
    survey_response(survey, VALID_ANSWERS, responder="r2")

    assert "others" not in _rebuild(subject).traits

    survey_response(survey, VALID_ANSWERS, responder="r3")
    mindscape = _rebuild(subject)

    others = mindscape.traits["others"]["api_check"]
    raws = list(
        TraitScore.objects.filter(run__session__survey=survey, dimension__slug="extraversion").values_list(
            "raw_score", flat=True
        )
    )
    assert others["n"] == 3
    assert others["extraversion"]["raw"] == round(sum(raws) / 3, 2)
    assert set(others["extraversion"]) == {"score", "raw"}
    source = mindscape.sources["others.api_check.extraversion.raw"]
    assert source == {"kind": "survey", "questionnaire": "api-check", "survey_ids": [str(survey.pk)]}
    # Nothing in the tree or its sources names a responder or a session of one.
    text = str(mindscape.traits) + str(mindscape.sources)
    for session in AssessmentSession.objects.filter(survey=survey):
        assert str(session.pk) not in text
        assert session.responder_id not in text


def test_a_higher_min_n_keeps_others_hidden_longer(user):
    version = import_api_instrument()
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    survey = assessment_services.survey_create(owner=user, version=version, min_responses_to_show=4)
    for responder in ("r1", "r2", "r3"):
        survey_response(survey, VALID_ANSWERS, responder=responder)

    assert "others" not in _rebuild(subject).traits


def test_work_sessions_give_chronotype_and_focus_patterns(user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    sessions = [
        ("2026-03-02T20:00:00+01:00", 120, "deep"),
        ("2026-03-03T21:15:00+01:00", 60, "deep"),
        ("2026-03-04T20:30:00+01:00", 90, "deep"),
        ("2026-03-05T09:00:00+01:00", 30, "shallow"),
    ]
    observations.observations_create(
        subject=subject,
        items=[
            observations.NewObservation(
                "work_session", {"started_at": at, "duration_minutes": minutes, "focus_level": focus}
            )
            for at, minutes, focus in sessions
        ],
        bulk=True,
    )

    mindscape = _rebuild(subject)

    assert mindscape.traits["work"] == {
        "chronotype": "evening",
        "focus_patterns": {"deep_work_duration": 90, "peak_hours": [20, 9], "sessions": 4},
    }
    assert mindscape.sources["work.chronotype"]["kind"] == "observation"
    assert mindscape.sources["work.chronotype"]["count"] == 4


def test_work_patterns_fall_back_to_the_recording_time_and_break_ties_early():
    now = timezone.now().replace(hour=10)
    patterns = mindscapes.work_patterns(
        [
            ({"duration_minutes": 10}, now),
            ({"duration_minutes": 10, "started_at": "2026-01-01T23:00:00Z"}, now),
        ]
    )
    assert patterns["chronotype"] == "morning"  # one morning, one night: the earlier part wins
    assert patterns["focus_patterns"] == {"sessions": 2, "peak_hours": [10, 23]}


def test_a_rebuild_is_idempotent_and_bumps_the_version_only_on_change(user):
    version = import_api_instrument()
    session = scored_session(user, version, VALID_ANSWERS)
    first = _rebuild(session.subject)

    second = _rebuild(session.subject)

    assert (second.version, second.traits, second.sources) == (first.version, first.traits, first.sources)
    assert second.updated_at == first.updated_at

    scored_session(user, version, LOW)
    third = _rebuild(session.subject)
    assert third.version == first.version + 1
    assert third.traits != first.traits


def test_paths_set_by_hand_survive_a_rebuild(user):
    version = import_api_instrument()
    session = scored_session(user, version, VALID_ANSWERS)
    first = _rebuild(session.subject)
    patched = mindscapes.mindscape_patch(
        subject=session.subject,
        version=first.version,
        patch=mindscapes.Patch(
            set={"questionnaires.api_check.extraversion.band": "custom", "work.chronotype": "night"}, unset=[]
        ),
        user=user,
    )

    rebuilt = _rebuild(session.subject)

    assert rebuilt.version == patched.version  # nothing new to take in
    assert rebuilt.traits["questionnaires"]["api_check"]["extraversion"]["band"] == "custom"
    assert rebuilt.traits["work"]["chronotype"] == "night"
    assert rebuilt.sources["work.chronotype"]["kind"] == "manual"
    assert rebuilt.sources["work.chronotype"]["by"] == str(user.pk)
    # The computed siblings of a hand-set leaf are still computed.
    assert rebuilt.sources["questionnaires.api_check.extraversion.raw"]["kind"] == "assessment"


def test_a_rebuild_of_a_subject_that_is_gone_does_nothing(user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    subject_id = subject.pk
    subject.delete()

    assert mindscapes.mindscape_rebuild(subject_id=subject_id) is None


def test_scoring_a_run_queues_a_rebuild_that_the_outbox_runs(user):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    run = assessment_services.session_submit(session=session)

    assessment_services.run_score(run_id=run.pk)

    task = OutboxTask.objects.get(task_type="personas.rebuild_mindscape")
    assert task.payload == {"subject_id": str(session.subject_id)}
    assert task.dedupe_key == f"mindscape:{session.subject_id}"
    # What the worker does: the relay claims due rows, run_task runs the registered handler.
    sent: list = []
    relay(send=lambda task_id, attempt: sent.append((task_id, attempt)))
    for task_id, attempt in sent:
        if task_id == task.pk:
            run_task(task_id, attempt=attempt)
    task.refresh_from_db()
    assert task.status == OutboxTask.Status.DONE
    assert Mindscape.objects.get(subject=session.subject).traits["questionnaires"]["api_check"]


def test_an_observer_run_also_queues_a_rebuild_of_the_subject(user):
    survey = assessment_services.survey_create(owner=user, version=import_api_instrument())

    survey_response(survey, VALID_ANSWERS, responder="r1")

    assert OutboxTask.objects.filter(
        task_type="personas.rebuild_mindscape", payload={"subject_id": str(survey.subject_id)}
    ).exists()


def test_a_failed_scoring_queues_no_rebuild(user, monkeypatch):
    session = self_session(user, import_api_instrument(), VALID_ANSWERS)
    run = assessment_services.session_submit(session=session)

    def explode(*args, **kwargs):
        raise RuntimeError("scoring broke")

    monkeypatch.setattr(assessment_services.scoring, "score", explode)
    with pytest.raises(RuntimeError):
        assessment_services.run_score(run_id=run.pk)

    assert not OutboxTask.objects.filter(task_type="personas.rebuild_mindscape").exists()


def test_a_rebuild_keeps_a_pending_one_per_subject(user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    for _ in range(3):
        observations.observation_create(
            subject=subject,
            observation_type="work_session",
            content={"duration_minutes": 5},
            created_at=timezone.now() - timedelta(minutes=1),
        )

    assert OutboxTask.objects.filter(task_type="personas.rebuild_mindscape").count() == 1


def test_a_change_while_a_rebuild_runs_queues_exactly_one_follow_up(user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    running = mindscapes.mindscape_rebuild_enqueue(subject_id=subject.pk)
    OutboxTask.objects.filter(pk=running.pk).update(status=OutboxTask.Status.IN_PROGRESS)

    for _ in range(2):
        observations.observation_create(
            subject=subject, observation_type="work_session", content={"duration_minutes": 5}
        )

    keys = sorted(
        OutboxTask.objects.filter(task_type="personas.rebuild_mindscape").values_list("dedupe_key", flat=True)
    )
    assert keys == [f"mindscape:{subject.pk}", f"mindscape:{subject.pk}:again"]
