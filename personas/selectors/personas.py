"""Read queries: personas, the narratives that shaped them, and a subject's score summary.

A subject's current persona is its latest; older ones are its history. A user sees the personas
of the subjects they may see (personas.selectors.subjects); staff see all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from assessments.models import AnalysisRun, AssessmentSession, SubjectProfile, TraitScore
from personas.models import Persona, PersonaNarrativeUsage
from personas.selectors import subjects as subject_selectors


def personas_for_subject(subject: SubjectProfile) -> QuerySet[Persona]:
    """The subject's personas, newest first (the first is the current one)."""
    return Persona.objects.filter(subject=subject).order_by("-created_at", "-id")


def persona_current(subject: SubjectProfile) -> Persona | None:
    return personas_for_subject(subject).first()


def persona_generating(subject: SubjectProfile) -> Persona | None:
    return personas_for_subject(subject).filter(status=Persona.Status.GENERATING).first()


def personas_visible_to(user) -> QuerySet[Persona]:
    return Persona.objects.filter(subject__in=subject_selectors.subjects_visible_to(user)).select_related(
        "subject", "mapper"
    )


def persona_for_user(user, persona_id) -> Persona:
    """The persona if ``user`` may see it; raises Persona.DoesNotExist otherwise (→ 404)."""
    return personas_visible_to(user).get(pk=persona_id)


def persona_usages(persona: Persona) -> list[PersonaNarrativeUsage]:
    """The narratives that shaped the persona, most relevant first."""
    return list(
        PersonaNarrativeUsage.objects.filter(persona=persona)
        .select_related("narrative")
        .order_by("-relevance_score", "created_at", "id")
    )


def current_personas(subjects: list[SubjectProfile]) -> dict:
    """{subject id: its latest persona} for a list of subjects, in one query."""
    latest = (
        Persona.objects.filter(subject=OuterRef("subject")).order_by("-created_at", "-id").values("pk")[:1]
    )
    rows = Persona.objects.filter(subject__in=subjects, pk=Subquery(latest))
    return {persona.subject_id: persona for persona in rows}


def can_see_prompt(user, persona: Persona) -> bool:
    """The master prompt is shown to the subject's own user or owner, and to staff."""
    subject = persona.subject
    return bool(user.is_authenticated and (user.is_staff or user.pk in (subject.user_id, subject.owner_id)))


@dataclass(frozen=True)
class ScoreSummary:
    session: AssessmentSession
    run: AnalysisRun
    title: str
    scores: list[TraitScore]


def subject_score_summary(subject: SubjectProfile) -> list[ScoreSummary]:
    """Per questionnaire, the latest finished self-assessment of the subject and its top-level
    scores (no anonymous survey sessions: those count only as aggregates). Three queries."""
    runs = list(
        AnalysisRun.objects.filter(
            session__subject=subject,
            session__survey__isnull=True,
            status=AnalysisRun.Status.DONE,
        )
        .select_related("session__questionnaire_version__questionnaire")
        .order_by("-finished_at", "-created_at")
    )
    latest: dict[int, AnalysisRun] = {}
    for run in runs:
        questionnaire_id = run.session.questionnaire_version.questionnaire_id
        latest.setdefault(questionnaire_id, run)
    chosen = list(latest.values())
    scores: dict = {run.pk: [] for run in chosen}
    for score in (
        TraitScore.objects.filter(run__in=chosen, dimension__parent__isnull=True)
        .select_related("dimension")
        .order_by("dimension__sort_order", "dimension__slug")
    ):
        scores[score.run_id].append(score)
    return [
        ScoreSummary(
            session=run.session,
            run=run,
            title=run.session.questionnaire_version.questionnaire.title,
            scores=scores[run.pk],
        )
        for run in chosen
    ]


def subject_has_scores(subject: SubjectProfile) -> bool:
    return AnalysisRun.objects.filter(
        session__subject=subject, session__survey__isnull=True, status=AnalysisRun.Status.DONE
    ).exists()
