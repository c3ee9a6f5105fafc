"""Read queries: mindscapes, and what a rebuild reads (own scores, survey aggregates, work sessions)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from assessments import selectors as assessment_selectors
from assessments.models import (
    AnalysisRun,
    AssessmentSession,
    CompositeScore,
    SubjectProfile,
    Survey,
    TraitScore,
)
from personas.models import Mindscape, Observation


def mindscape_for_subject(subject: SubjectProfile) -> Mindscape | None:
    """The subject's mindscape, or None before its first rebuild (or first manual edit)."""
    return Mindscape.objects.filter(subject=subject).first()


def own_respondent_kinds(subject: SubjectProfile) -> list[str]:
    """Whose answers count as the subject's own: their self-assessments (an LLM agent's, its own
    agent runs). A human's agent-kind sessions are their persona answering, not them."""
    kinds = [AssessmentSession.RespondentKind.SELF]
    if subject.subject_type == SubjectProfile.SubjectType.AGENT:
        kinds.append(AssessmentSession.RespondentKind.AGENT)
    return kinds


def own_latest_runs(subject: SubjectProfile) -> list[AnalysisRun]:
    """The newest finished run per questionnaire of the subject's own (non-survey) sessions."""
    return list(
        AnalysisRun.objects.filter(
            session__subject=subject,
            session__survey__isnull=True,
            session__respondent_kind__in=own_respondent_kinds(subject),
            status=AnalysisRun.Status.DONE,
        )
        .select_related(
            "session__questionnaire_version__questionnaire", "session__questionnaire_version__analysis_model"
        )
        .order_by("session__questionnaire_version__questionnaire_id", "-finished_at", "-created_at")
        .distinct("session__questionnaire_version__questionnaire_id")
    )


def scores_by_run(runs: list[AnalysisRun]) -> dict[Any, list[TraitScore]]:
    grouped: dict[Any, list[TraitScore]] = defaultdict(list)
    for score in (
        TraitScore.objects.filter(run__in=runs)
        .select_related("dimension")
        .order_by("run_id", "dimension__sort_order", "dimension__slug")
    ):
        grouped[score.run_id].append(score)
    return grouped


def composites_by_run(runs: list[AnalysisRun]) -> dict[Any, list[CompositeScore]]:
    grouped: dict[Any, list[CompositeScore]] = defaultdict(list)
    for composite in CompositeScore.objects.filter(run__in=runs).select_related(
        "composite", "primary_dimension"
    ):
        grouped[composite.run_id].append(composite)
    return grouped


def band_labels(dimension_ids) -> dict[tuple[int, str], str]:
    """(dimension id, band key) → label, for the bands a rebuild has to invert."""
    return {
        (threshold.dimension_id, threshold.key): threshold.label
        for threshold in assessment_selectors.thresholds_for_dimensions(dimension_ids)
    }


def survey_aggregates(subject: SubjectProfile) -> list[assessment_selectors.SurveyAggregate]:
    """Every survey about the subject, aggregated by the assessments selector (which shows means
    only at or above the survey's min-n, never below the floor of 3, never per responder)."""
    surveys = Survey.objects.filter(subject=subject).select_related(
        "questionnaire_version__questionnaire", "subject"
    )
    return [assessment_selectors.survey_aggregate(survey) for survey in surveys.order_by("created_at", "id")]


def work_sessions(subject: SubjectProfile) -> list[tuple[dict[str, Any], datetime]]:
    """(content, created_at) of the subject's work_session observations, oldest first."""
    return list(
        Observation.objects.filter(subject=subject, observation_type="work_session")
        .order_by("created_at", "id")
        .values_list("content", "created_at")
    )
