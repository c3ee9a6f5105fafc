"""Cohorts: a subject of type cohort aggregates chosen humans' scores on one questionnaire version.

Members are chosen by a rule kept in the cohort's metadata:
- ``{"source": "version"}``: every human's latest scored self-assessment of the version;
- ``{"source": "tag", "tag": "team-a"}``: the same, for humans whose metadata ``tags`` hold the tag;
- ``{"source": "survey", "survey_id": …}``: the scored anonymous answers of one of the owner's surveys.
Only aggregates ever leave this module, and none over fewer than MIN_RESPONSES_FLOOR people.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assessments.benchmarks import selectors
from assessments.benchmarks.errors import BenchmarkError
from assessments.models import MIN_RESPONSES_FLOOR, AssessmentSession, SubjectProfile, Survey
from questionnaires.models import QuestionnaireVersion

SOURCES = ("version", "tag", "survey")


@transaction.atomic
def cohort_create(
    *, owner, display_name: str, version: QuestionnaireVersion, source: str, tag: str = "", survey_id=None
) -> SubjectProfile:
    errors: dict[str, str] = {}
    name = (display_name or "").strip()
    if not name or len(name) > 200:
        errors["display_name"] = "Give a name of 1–200 characters."
    if not version.is_published:
        errors["version"] = "Choose a published questionnaire version."
    metadata: dict[str, Any] = {"source": source, "questionnaire_version_id": version.pk}
    if source == "tag":
        if not tag or len(tag) > 100:
            errors["tag"] = "Give the tag (1–100 characters)."
        metadata["tag"] = tag
    elif source == "survey":
        survey = Survey.objects.filter(pk=survey_id, owner=owner).first() if survey_id else None
        if survey is None:
            errors["survey_id"] = "Choose one of your surveys."
        elif survey.questionnaire_version_id != version.pk:
            errors["survey_id"] = "The survey uses another questionnaire version."
        else:
            metadata["survey_id"] = str(survey.pk)
    elif source != "version":
        errors["source"] = f"Choose one of: {', '.join(SOURCES)}."
    if errors:
        raise BenchmarkError("The cohort cannot be created.", errors)
    return SubjectProfile.objects.create(
        subject_type=SubjectProfile.SubjectType.COHORT, owner=owner, display_name=name, metadata=metadata
    )


def cohort_sessions(cohort: SubjectProfile, version: QuestionnaireVersion):
    meta = cohort.metadata or {}
    source = meta.get("source")
    scored = AssessmentSession.objects.filter(
        questionnaire_version=version, status=AssessmentSession.Status.SCORED
    )
    if source == "survey":
        # Likely duplicates stay out: a cohort stands for distinct people, and its min-n counts them.
        return scored.filter(
            survey_id=meta.get("survey_id"),
            survey__owner_id=cohort.owner_id,
            respondent_kind=AssessmentSession.RespondentKind.ANONYMOUS,
            likely_duplicate=False,
        )
    humans = SubjectProfile.objects.filter(subject_type=SubjectProfile.SubjectType.HUMAN)
    if source == "tag":
        humans = humans.filter(metadata__tags__contains=[meta.get("tag")])
    selfs = scored.filter(respondent_kind=AssessmentSession.RespondentKind.SELF, subject__in=humans)
    # One session per member: the latest scored one.
    latest = {}
    for session_id, subject_id in selfs.order_by("subject_id", "-submitted_at").values_list(
        "id", "subject_id"
    ):
        latest.setdefault(subject_id, session_id)
    return AssessmentSession.objects.filter(pk__in=list(latest.values()))


def cohort_threshold(cohort: SubjectProfile) -> int:
    """How many people a cohort needs before it shows statistics: the floor, and for a survey's
    answers that survey's own min-n, as its responders were promised."""
    meta = cohort.metadata or {}
    if meta.get("source") != "survey":
        return MIN_RESPONSES_FLOOR
    min_n = (
        Survey.objects.filter(pk=meta.get("survey_id"))
        .values_list("min_responses_to_show", flat=True)
        .first()
    )
    return max(MIN_RESPONSES_FLOOR, min_n or 0)


def cohort_values(cohort: SubjectProfile, version: QuestionnaireVersion) -> tuple[dict[str, list], int]:
    """Per dimension, (raw, normalised, item mean) of each member; none below the threshold."""
    run_ids = selectors.latest_done_runs(cohort_sessions(cohort, version))
    if len(run_ids) < cohort_threshold(cohort):
        return {}, len(run_ids)  # too few people: an average would give them away
    return selectors.score_rows_by_dimension(run_ids), len(run_ids)
