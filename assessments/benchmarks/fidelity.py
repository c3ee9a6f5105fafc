"""Persona fidelity: how close a persona, taking its human's questionnaire as an agent, comes to
the human's own scores and to what others said about them (reads only).

Every score is put on the 0–1 scale (the min–max normalised score, else the raw score within the
dimension's range hint). Per persona version: the mean absolute difference across dimensions and
Pearson's correlation across dimensions (SciPy), against the human's own scores and against the
survey aggregate. Others' scores come only as the surveys' aggregates, which are empty below each
survey's min-n (never below 3), so nothing here can single out a responder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments import selectors as assessment_selectors
from assessments.benchmarks import selectors, stats
from assessments.benchmarks.services import DimensionScale
from assessments.models import (
    AnalysisRun,
    AssessmentBatch,
    AssessmentSession,
    SubjectProfile,
    Survey,
    TraitScore,
)
from personas.selectors import subjects as persona_subject_selectors
from questionnaires.models import QuestionnaireVersion


@dataclass(frozen=True)
class DimensionFigures:
    slug: str
    name: str
    is_facet: bool
    own: float | None  # the human's latest self-assessment, 0–1
    others: float | None  # the surveys' aggregate, 0–1 (None below min-n)
    others_n: int
    persona: float | None  # the chosen persona's mean over its runs, 0–1
    persona_sd: float | None  # raw-score sd across the runs

    @property
    def difference(self) -> float | None:
        return abs(self.persona - self.own) if self.persona is not None and self.own is not None else None


@dataclass(frozen=True)
class PersonaFidelity:
    agent: SubjectProfile
    persona_id: str
    mapper: str
    runs: int
    mad_own: float | None
    r_own: float | None
    mad_others: float | None
    r_others: float | None
    dimensions_compared: int


@dataclass
class Fidelity:
    version: QuestionnaireVersion
    own_session: AssessmentSession | None
    others_shown: bool
    others_n: int
    personas: list[PersonaFidelity] = field(default_factory=list)
    chosen: PersonaFidelity | None = None
    dimensions: list[DimensionFigures] = field(default_factory=list)


class NoSuchPerson(Exception):
    """Not a person `user` may see the fidelity of; `message` says why (pages and API: 404)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def person_for_user(user, subject_id) -> SubjectProfile:
    """The person (a human subject) whose fidelity `user` may see, else NoSuchPerson."""
    try:
        subject = persona_subject_selectors.subject_for_user(user, subject_id)
    except SubjectProfile.DoesNotExist:
        raise NoSuchPerson("There is no such person.") from None
    if subject.subject_type != SubjectProfile.SubjectType.HUMAN:
        raise NoSuchPerson("Only a person's personas have a fidelity.")
    return subject


def versions_taken(subject: SubjectProfile) -> list[QuestionnaireVersion]:
    """The versions the human scored a self-assessment of, latest first."""
    ids = list(
        AssessmentSession.objects.filter(
            subject=subject,
            survey__isnull=True,
            respondent_kind=AssessmentSession.RespondentKind.SELF,
            status=AssessmentSession.Status.SCORED,
        )
        .order_by("-scored_at")
        .values_list("questionnaire_version_id", flat=True)
    )
    unique = list(dict.fromkeys(ids))
    by_id = QuestionnaireVersion.objects.select_related("questionnaire", "analysis_model").in_bulk(unique)
    return [by_id[pk] for pk in unique]


def persona_agents(owner, subject: SubjectProfile) -> list[SubjectProfile]:
    """The owner's agents that played one of the subject's personas, newest first."""
    return list(selectors.agents_for_user(owner).filter(metadata__persona_subject_id=str(subject.pk)))


def _own_scores(subject: SubjectProfile, version: QuestionnaireVersion):
    session = (
        AssessmentSession.objects.filter(
            subject=subject,
            survey__isnull=True,
            respondent_kind=AssessmentSession.RespondentKind.SELF,
            questionnaire_version=version,
            status=AssessmentSession.Status.SCORED,
        )
        .order_by("-scored_at")
        .first()
    )
    if session is None:
        return None, {}
    run = session.runs.filter(status=AnalysisRun.Status.DONE).order_by("-created_at").first()
    if run is None:
        return session, {}
    return session, {
        slug: (raw, normalized)
        for slug, raw, normalized in TraitScore.objects.filter(run=run).values_list(
            "dimension__slug", "raw_score", "normalized_score"
        )
    }


def _others(subject: SubjectProfile, version: QuestionnaireVersion, scale: DimensionScale):
    """{slug: (0–1 mean, n)} over the subject's surveys on the version that may be shown: each
    survey's aggregate (already empty below its min-n), weighted by its responders."""
    sums: dict[str, list[float]] = {}
    shown_any, people = False, 0
    surveys = Survey.objects.filter(subject=subject, questionnaire_version=version).select_related(
        "questionnaire_version", "subject"
    )
    for survey in surveys:
        aggregate = assessment_selectors.survey_aggregate(survey)
        if not aggregate.shown:
            continue
        shown_any, people = True, people + aggregate.responses
        for row in aggregate.dimensions:
            unit = scale.unit(row.dimension.slug, row.others_mean_raw, row.others_mean_normalized)
            if unit is None or not row.others_n:
                continue
            total = sums.setdefault(row.dimension.slug, [0.0, 0])
            total[0] += unit * row.others_n
            total[1] += row.others_n
    return {slug: (total / n, n) for slug, (total, n) in sums.items() if n}, shown_any, people


def _figures(pairs: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    xs = [a for a, _b in pairs]
    ys = [b for _a, b in pairs]
    return stats.mean_absolute_difference(xs, ys), stats.pearson_r(xs, ys)


def fidelity(
    *, owner, subject: SubjectProfile, version: QuestionnaireVersion, persona_agent_id=None
) -> Fidelity:
    """The subject's fidelity page: every persona version the owner benchmarked on `version`, and
    per dimension the human, the others and the chosen persona (default: the newest benchmarked)."""
    scale = DimensionScale.for_version(version)
    own_session, own_raw = _own_scores(subject, version)
    own = {slug: scale.unit(slug, raw, normalized) for slug, (raw, normalized) in own_raw.items()}
    others, others_shown, others_n = _others(subject, version, scale)
    agents = persona_agents(owner, subject)
    batches = {
        batch.subject_id: batch
        for batch in AssessmentBatch.objects.filter(subject__in=agents, questionnaire_version=version)
    }
    result = Fidelity(version=version, own_session=own_session, others_shown=others_shown, others_n=others_n)
    for agent in agents:
        batch = batches.get(agent.pk)
        if batch is None or not batch.session_count:
            continue
        persona_units = {slug: entry.get("unit_mean") for slug, entry in batch.stats.items()}
        with_own = [
            (own[slug], value)
            for slug, value in persona_units.items()
            if value is not None and own.get(slug) is not None
        ]
        with_others = [
            (others[slug][0], value)
            for slug, value in persona_units.items()
            if value is not None and slug in others
        ]
        mad_own, r_own = _figures(with_own)
        mad_others, r_others = _figures(with_others)
        meta = agent.metadata or {}
        mapper = (
            f"{meta['mapper_config_id']} v{meta.get('mapper_version')}"
            if meta.get("mapper_config_id")
            else "—"
        )
        result.personas.append(
            PersonaFidelity(
                agent=agent,
                persona_id=meta.get("persona_id", ""),
                mapper=mapper,
                runs=batch.session_count,
                mad_own=mad_own,
                r_own=r_own,
                mad_others=mad_others,
                r_others=r_others,
                dimensions_compared=len(with_own),
            )
        )
    result.chosen = next(
        (p for p in result.personas if str(p.agent.pk) == str(persona_agent_id)),
        result.personas[0] if result.personas else None,
    )
    chosen_stats = batches[result.chosen.agent.pk].stats if result.chosen else {}
    for slug, name, is_facet, _low, _high in selectors.dimension_rows(version):
        entry = chosen_stats.get(slug) or {}
        result.dimensions.append(
            DimensionFigures(
                slug=slug,
                name=name,
                is_facet=is_facet,
                own=own.get(slug),
                others=others[slug][0] if slug in others else None,
                others_n=others[slug][1] if slug in others else 0,
                persona=entry.get("unit_mean"),
                persona_sd=entry.get("sd"),
            )
        )
    return result
