"""Read queries of LLM benchmarks (pages, API, batch refresh)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from assessments.models import (
    AnalysisRun,
    AssessmentBatch,
    AssessmentSession,
    Benchmark,
    BenchmarkExchange,
    BenchmarkItemOutcome,
    BenchmarkRun,
    SubjectProfile,
    TraitScore,
)
from questionnaires.models import QuestionnaireVersion


def agents_for_user(user) -> QuerySet[SubjectProfile]:
    return SubjectProfile.objects.filter(owner=user, subject_type=SubjectProfile.SubjectType.AGENT).order_by(
        "-created_at"
    )


def cohorts_for_user(user) -> QuerySet[SubjectProfile]:
    return SubjectProfile.objects.filter(owner=user, subject_type=SubjectProfile.SubjectType.COHORT).order_by(
        "-created_at"
    )


def benchmarks_for_user(user) -> QuerySet[Benchmark]:
    return Benchmark.objects.filter(owner=user).select_related(
        "agent", "questionnaire_version__questionnaire"
    )


def benchmark_for_user(user, benchmark_id) -> Benchmark:
    """Raises Benchmark.DoesNotExist for another user's benchmark (callers answer 404)."""
    return benchmarks_for_user(user).get(pk=benchmark_id)


def benchmark_progress(benchmark: Benchmark) -> dict:
    """Runs done / N, items answered, invalid so far, tokens, elapsed and ETA (a few queries)."""
    runs = benchmark.runs.aggregate(
        done=Count("id", filter=Q(status=BenchmarkRun.Status.DONE)),
        failed=Count("id", filter=Q(status=BenchmarkRun.Status.FAILED)),
        cancelled=Count("id", filter=Q(status=BenchmarkRun.Status.CANCELLED)),
        running=Count("id", filter=Q(status=BenchmarkRun.Status.RUNNING)),
    )
    outcomes = BenchmarkItemOutcome.objects.filter(run__benchmark=benchmark).aggregate(
        answered=Count("id", filter=Q(valid=True)),
        invalid=Count("id", filter=Q(valid=False)),
    )
    tokens = BenchmarkExchange.objects.filter(run__benchmark=benchmark).aggregate(
        prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"), exchanges=Count("id")
    )
    settled = outcomes["answered"] + outcomes["invalid"]
    end = benchmark.finished_at or timezone.now()
    elapsed = (end - benchmark.started_at).total_seconds() if benchmark.started_at else 0.0
    # Items per run vary with branching; the version's item count is the upper bound.
    total = benchmark.runs_requested * benchmark.items_per_run
    eta = None
    if not benchmark.is_finished and settled and elapsed > 0:
        eta = max(0.0, elapsed / settled * (total - settled))
    prompt_tokens = tokens["prompt"] or 0
    completion_tokens = tokens["completion"] or 0
    price = (benchmark.agent.metadata or {}).get("price_per_1k_tokens")
    return {
        "status": benchmark.status,
        "runs_requested": benchmark.runs_requested,
        "runs_done": runs["done"],
        "runs_running": runs["running"],
        "runs_failed": runs["failed"],
        "runs_cancelled": runs["cancelled"],
        "items_answered": outcomes["answered"],
        "items_invalid": outcomes["invalid"],
        "items_total": total,
        "invalid_rate": outcomes["invalid"] / settled if settled else None,
        "exchanges": tokens["exchanges"],
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "cost_estimate": (prompt_tokens + completion_tokens) / 1000 * price if price is not None else None,
        "elapsed_seconds": round(elapsed, 1),
        "eta_seconds": round(eta, 1) if eta is not None else None,
        "items_per_second": round(settled / elapsed, 3) if elapsed > 0 else None,
    }


def benchmark_runs(benchmark: Benchmark) -> list[BenchmarkRun]:
    return list(
        benchmark.runs.select_related("session").annotate(
            answered=Count("outcomes", filter=Q(outcomes__valid=True)),
            invalid=Count("outcomes", filter=Q(outcomes__valid=False)),
        )
    )


def run_exchanges(run: BenchmarkRun) -> QuerySet[BenchmarkExchange]:
    return run.exchanges.order_by("created_at", "id")


def latest_done_runs(sessions: QuerySet[AssessmentSession]) -> list:
    """Ids of each session's latest finished AnalysisRun."""
    latest: dict = {}
    for session_id, run_id in (
        AnalysisRun.objects.filter(session__in=sessions, status=AnalysisRun.Status.DONE)
        .order_by("session_id", "-created_at")
        .values_list("session_id", "id")
    ):
        latest.setdefault(session_id, run_id)
    return list(latest.values())


def scores_by_dimension(run_ids: list) -> dict[str, list[float]]:
    values: dict[str, list[float]] = defaultdict(list)
    for slug, raw in (
        TraitScore.objects.filter(run_id__in=run_ids, item_count__gt=0)
        .order_by("dimension__sort_order", "dimension__slug", "run_id")
        .values_list("dimension__slug", "raw_score")
    ):
        values[slug].append(raw)
    return dict(values)


def score_rows_by_dimension(run_ids: list) -> dict[str, list[tuple[float, float | None, float | None]]]:
    """Per dimension, (raw, normalised, item mean) of every run: what a batch needs for its bands
    and its 0–1 positions as well as its raw statistics."""
    rows: dict[str, list[tuple[float, float | None, float | None]]] = defaultdict(list)
    for slug, raw, normalized, item_mean in (
        # A dimension none of whose items was answered has a placeholder 0 and no score: left out.
        TraitScore.objects.filter(run_id__in=run_ids, item_count__gt=0)
        .order_by("dimension__sort_order", "dimension__slug", "run_id")
        .values_list("dimension__slug", "raw_score", "normalized_score", "item_mean")
    ):
        rows[slug].append((raw, normalized, item_mean))
    return dict(rows)


def agent_sessions(agent: SubjectProfile, version: QuestionnaireVersion) -> QuerySet[AssessmentSession]:
    return AssessmentSession.objects.filter(
        subject=agent,
        questionnaire_version=version,
        respondent_kind=AssessmentSession.RespondentKind.AGENT,
        status=AssessmentSession.Status.SCORED,
    )


def agent_values(agent: SubjectProfile, version: QuestionnaireVersion) -> tuple[dict[str, list], int]:
    """Per dimension, (raw, normalised, item mean) of each scored run; and the number of runs."""
    run_ids = latest_done_runs(agent_sessions(agent, version))
    return score_rows_by_dimension(run_ids), len(run_ids)


def agent_invalid_rates(agent: SubjectProfile, version: QuestionnaireVersion) -> dict[str, float]:
    """Per dimension: invalid item outcomes / settled outcomes of items mapped to it or to one of
    its facets."""
    from assessments import selectors as assessment_selectors

    plan = assessment_selectors.scoring_plan(version.pk)
    parent_of = {dimension.slug: dimension.parent for dimension in plan.instrument.model.dimensions}
    dimensions_of: dict[str, set[str]] = defaultdict(set)
    for item in plan.instrument.items:
        for mapping in item.mappings:
            slug = mapping.dimension
            while slug and slug not in dimensions_of[item.key]:  # a domain counts its facets' items
                dimensions_of[item.key].add(slug)
                slug = parent_of.get(slug)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, valid in BenchmarkItemOutcome.objects.filter(
        run__benchmark__agent=agent, run__benchmark__questionnaire_version=version
    ).values_list("item_key", "valid"):
        for slug in dimensions_of.get(key, ()):
            counts[slug][0] += 0 if valid else 1
            counts[slug][1] += 1
    return {slug: invalid / total for slug, (invalid, total) in counts.items() if total}


def batches_for_subject(subject: SubjectProfile) -> QuerySet[AssessmentBatch]:
    return AssessmentBatch.objects.filter(subject=subject).select_related(
        "questionnaire_version__questionnaire"
    )


def subject_means(subject: SubjectProfile, version: QuestionnaireVersion) -> dict[str, float]:
    """Per dimension, the mean raw score over the subject's own scored sessions of the version
    (an agent's benchmark runs, a person's self-assessments)."""
    kind = (
        AssessmentSession.RespondentKind.AGENT
        if subject.subject_type == SubjectProfile.SubjectType.AGENT
        else AssessmentSession.RespondentKind.SELF
    )
    sessions = AssessmentSession.objects.filter(
        subject=subject,
        questionnaire_version=version,
        respondent_kind=kind,
        status=AssessmentSession.Status.SCORED,
    )
    values = scores_by_dimension(latest_done_runs(sessions))
    return {slug: sum(scores) / len(scores) for slug, scores in values.items() if scores}


def token_totals(agent_ids: list, version: QuestionnaireVersion) -> dict:
    """{agent id: (prompt tokens, completion tokens)} over its benchmarks of the version (one query)."""
    rows = (
        BenchmarkExchange.objects.filter(
            run__benchmark__agent_id__in=agent_ids, run__benchmark__questionnaire_version=version
        )
        .values("run__benchmark__agent_id")
        .annotate(prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"))
    )
    return {row["run__benchmark__agent_id"]: (row["prompt"] or 0, row["completion"] or 0) for row in rows}


def dimension_rows(version: QuestionnaireVersion) -> list[tuple[str, str, bool, float | None, float | None]]:
    """(slug, name, is facet, range low, range high) of the version's dimensions, each domain
    followed by its facets (the order of the result pages)."""
    from assessments import scoring
    from assessments import selectors as assessment_selectors
    from questionnaires.models import TraitDimension

    model = assessment_selectors.scoring_plan(version).instrument.model
    ranges = {
        slug: (low, high)
        for slug, low, high in TraitDimension.objects.filter(
            analysis_model_id=version.analysis_model_id
        ).values_list("slug", "range_min", "range_max")
    }
    return [
        (
            dimension.slug,
            dimension.name,
            dimension.parent is not None,
            *ranges.get(dimension.slug, (None, None)),
        )
        for dimension in scoring.ordered_dimensions(model)
    ]


def versions_to_benchmark() -> QuerySet[QuestionnaireVersion]:
    """Published versions of active questionnaires (what a benchmark may be started on)."""
    return (
        QuestionnaireVersion.objects.filter(published_at__isnull=False, questionnaire__status="active")
        .select_related("questionnaire")
        .order_by("questionnaire__slug", "-version")
    )


def version_by_id(version_id: int) -> QuestionnaireVersion | None:
    """Any version, drafts too: the service says why a draft cannot be benchmarked."""
    return QuestionnaireVersion.objects.select_related("questionnaire").filter(pk=version_id).first()


def own_human_subject(user) -> SubjectProfile | None:
    return SubjectProfile.objects.filter(user=user, subject_type=SubjectProfile.SubjectType.HUMAN).first()
