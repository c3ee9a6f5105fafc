"""Read queries of the assessments app (pages, API, scoring service)."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Avg, Count, IntegerField, Max, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from assessments import scoring
from assessments.models import (
    MIN_RESPONSES_FLOOR,
    AnalysisRun,
    AssessmentSession,
    CompositeScore,
    OptionContribution,
    Response,
    ResponseOptionSelection,
    ResponseTraitComponent,
    ResultShare,
    SubjectProfile,
    SubjectTraitAverage,
    Survey,
    SurveyInvitation,
    TraitScore,
)
from assessments.progress import Progress, progress_of
from personai.db import model_from_row, prepared_statement_cursor, select_columns
from questionnaires import plan as questionnaire_plan
from questionnaires.models import (
    QuestionnaireItem,
    QuestionnaireVersion,
    QuestionOption,
    TraitDimension,
    TraitThreshold,
)
from questionnaires.plan import VersionPlan

# --------------------------------------------------------------------------- engine inputs


def version_plan(version: QuestionnaireVersion | int) -> VersionPlan:
    """The compiled plan of a version (cached per process when published; see questionnaires.plan)."""
    return questionnaire_plan.version_plan(version)


def session_plan(session: AssessmentSession | Survey) -> VersionPlan:
    """The plan of a session's (or survey's) version; free when the row was loaded by a selector
    here (its version, questionnaire and analysis model come with it), one small query otherwise."""
    version = session._state.fields_cache.get("questionnaire_version")
    return version_plan(version if version is not None else session.questionnaire_version_id)


def version_with_items(version: QuestionnaireVersion | int) -> QuestionnaireVersion:
    """A version with everything needed to render or score it: the plan's shared, read-only copy."""
    return version_plan(version).version


def _plan_of(version: QuestionnaireVersion) -> VersionPlan | None:
    return getattr(version, "_plan", None)


def engine_instrument(version: QuestionnaireVersion) -> scoring.Instrument:
    """The pure engine's input for a version loaded by `version_with_items` (memoised on its plan)."""
    plan = _plan_of(version)
    if plan is None:
        return _engine_instrument(version)
    return plan.derived("engine_instrument", lambda p: _engine_instrument(p.version))


def _engine_instrument(version: QuestionnaireVersion) -> scoring.Instrument:
    """Translate a version loaded by `version_with_items` into the pure engine's input."""
    model = version.analysis_model
    dimensions = tuple(
        scoring.Dimension(
            slug=dimension.slug,
            name=dimension.name,
            parent=dimension.parent.slug if dimension.parent_id else None,
            sort_order=dimension.sort_order,
            thresholds=tuple(
                scoring.Threshold(
                    key=threshold.key,
                    label=threshold.label,
                    narrative=threshold.narrative,
                    lower=threshold.lower,
                    upper=threshold.upper,
                    lower_inclusive=threshold.lower_inclusive,
                    upper_inclusive=threshold.upper_inclusive,
                )
                for threshold in dimension.thresholds.all()
            ),
        )
        for dimension in model.dimensions.all()
    )
    composites = tuple(
        scoring.Composite(
            slug=composite.slug,
            name=composite.name,
            kind=composite.kind,
            dimensions=tuple(composite.dimensions or ()),
            weights=dict(composite.weights or {}),
        )
        for composite in model.composites.all()
    )
    items = tuple(_engine_item(item) for item in version.items.all())
    return scoring.Instrument(
        model=scoring.ModelDefinition(
            dimensions=dimensions, composites=composites, config=dict(model.config or {})
        ),
        items=items,
    )


def _engine_item(item: QuestionnaireItem) -> scoring.Item:
    return scoring.Item(
        key=item.key,
        type=item.bank_item.question_type,
        required=item.required,
        unscored=item.unscored,
        config=item.config,
        options=tuple(
            scoring.Option(key=option.key, value=option.value) for option in item.bank_item.options.all()
        ),
        mappings=tuple(
            scoring.Mapping(
                id=str(mapping.pk),
                dimension=mapping.dimension.slug,
                rule=mapping.rule_type,
                params=dict(mapping.params or {}),
                option=mapping.option.key if mapping.option_id else None,
                effective_from=mapping.effective_from,
                effective_to=mapping.effective_to,
            )
            for mapping in item.mappings.all()
        ),
        branch=tuple(
            scoring.BranchRule(action=rule.action, logic=rule.logic) for rule in item.branch_rules.all()
        ),
    )


@dataclass(frozen=True)
class ScoringPlan:
    """Everything scoring needs from a version: the engine input and the ids to store results."""

    instrument: scoring.Instrument
    item_ids: dict[str, int]
    option_ids: dict[tuple[str, str], int]
    dimension_ids: dict[str, int]
    composite_ids: dict[str, int]


def scoring_plan(version: QuestionnaireVersion | int) -> ScoringPlan:
    """The scoring view of a version's plan (no queries once the plan is cached and the version
    row came with the session; an id costs one small query for the plan's key)."""
    return version_plan(version).derived("scoring_plan", _scoring_plan)


def _scoring_plan(plan: VersionPlan) -> ScoringPlan:
    version = plan.version
    items = list(version.items.all())
    return ScoringPlan(
        instrument=engine_instrument(version),
        item_ids={item.key: item.pk for item in items},
        option_ids={
            (item.key, option.key): option.pk for item in items for option in item.bank_item.options.all()
        },
        dimension_ids={dimension.slug: dimension.pk for dimension in version.analysis_model.dimensions.all()},
        composite_ids={composite.slug: composite.pk for composite in version.analysis_model.composites.all()},
    )


@dataclass(frozen=True)
class AnswerKeys:
    """Ids to keys, to read a session's answers without joining the version's rows."""

    items: dict[int, str]
    options: dict[int, str]
    has_multi_choice: bool
    # An answer that is only a chosen option (most answers), shared: answers are immutable.
    option_answers: dict[int, scoring.Answer]


def _answer_keys(plan: VersionPlan) -> AnswerKeys:
    items = list(plan.version.items.all())
    options = {option.pk: option.key for item in items for option in item.bank_item.options.all()}
    return AnswerKeys(
        items={item.pk: item.key for item in items},
        options=options,
        has_multi_choice=any(item.bank_item.question_type == "multi_choice" for item in items),
        option_answers={pk: scoring.Answer(option=key) for pk, key in options.items()},
    )


def session_answers(session: AssessmentSession, plan: VersionPlan | None = None) -> dict[str, scoring.Answer]:
    """The session's answers keyed by item key, in the engine's terms: one query (item and
    option keys come from the version's plan; multi-choice selections are aggregated in SQL).

    Written as SQL rather than `sessions_answers`' queryset: every take page and save reads
    this, and compiling the ORM query cost more than running it."""
    plan = plan or session_plan(session)
    sql = f"SELECT {answer_columns_sql(plan)} FROM {Response._meta.db_table} r WHERE r.session_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [session.pk])
        return answers_from_rows(plan, cursor.fetchall())


def sessions_answers(sessions: list[AssessmentSession], plan: VersionPlan) -> dict:
    """{session id: answers} of sessions of the plan's version, in one query."""
    keys = plan.derived("answer_keys", _answer_keys)
    rows = Response.objects.filter(session_id__in=[session.pk for session in sessions])
    fields = ["session_id", "item_id", "value_boolean", "value_number", "value_text", "selected_option_id"]
    if keys.has_multi_choice:
        rows = rows.annotate(
            selected=ArrayAgg("selections__option_id", filter=Q(selections__isnull=False), default=[])
        )
        fields.append("selected")
    answers: dict = {session.pk: {} for session in sessions}
    for row in rows.values_list(*fields):
        key = keys.items.get(row[1])
        if key is None:
            continue
        selected = row[6] if keys.has_multi_choice else ()
        answers[row[0]][key] = scoring.Answer(
            boolean=row[2],
            number=row[3],
            text=row[4] or None,
            option=keys.options[row[5]] if row[5] is not None else None,
            options=tuple(sorted(keys.options[option_id] for option_id in selected)),
        )
    return answers


def answer_columns_sql(plan: VersionPlan) -> str:
    """The columns `answers_from_rows` reads, from `assessments_response` aliased `r` (so that a
    statement that writes can also return a session's answers)."""
    columns = "r.item_id, r.value_boolean, r.value_number, r.value_text, r.selected_option_id, "
    if not plan.derived("answer_keys", _answer_keys).has_multi_choice:
        return columns + "NULL"
    selections = ResponseOptionSelection._meta.db_table
    return columns + f"ARRAY(SELECT s.option_id FROM {selections} s WHERE s.response_id = r.id)"


def answers_from_rows(plan: VersionPlan, rows) -> dict[str, scoring.Answer]:
    """Answers keyed by item key from rows of ANSWER_COLUMNS_SQL, as `session_answers` gives."""
    keys = plan.derived("answer_keys", _answer_keys)
    answers = {}
    for item_id, boolean, number, text, option_id, selected in rows:
        key = keys.items.get(item_id)
        if key is None:
            continue
        if option_id is not None and boolean is None and number is None and not text and not selected:
            answers[key] = keys.option_answers[option_id]
            continue
        answers[key] = scoring.Answer(
            boolean=boolean,
            number=number,
            text=text or None,
            option=keys.options[option_id] if option_id is not None else None,
            options=tuple(sorted(keys.options[option] for option in selected or ())),
        )
    return answers


def answer_as_stored(answer: scoring.Answer) -> scoring.Answer:
    """`answer` as reading it back after saving gives it (empty text is stored as "")."""
    return answer if answer.text is None or answer.text else dataclasses.replace(answer, text=None)


def answer_from_response(response: Response) -> scoring.Answer:
    return scoring.Answer(
        boolean=response.value_boolean,
        number=response.value_number,
        text=response.value_text or None,
        option=response.selected_option.key if response.selected_option_id else None,
        options=tuple(sorted(option.key for option in response.selected_options.all())),
    )


# --------------------------------------------------------------------------- pages and API


def subject_for_user(user) -> SubjectProfile | None:
    return SubjectProfile.objects.filter(user=user, subject_type=SubjectProfile.SubjectType.HUMAN).first()


def sessions_for_user(user) -> QuerySet[AssessmentSession]:
    """Sessions the user may see: those they answered, and non-survey sessions about subjects
    they are or own. Anonymous survey answers are only ever shown in aggregate (privacy)."""
    return (
        AssessmentSession.objects.filter(
            Q(respondent_user=user)
            | Q(subject__user=user, survey__isnull=True)
            | Q(subject__owner=user, survey__isnull=True)
        )
        .select_related(
            "questionnaire_version__questionnaire",
            "questionnaire_version__analysis_model",
            "subject",
            "survey",
        )
        .distinct()
    )


def session_for_user(user, session_id) -> AssessmentSession:
    """Raises AssessmentSession.DoesNotExist for another user's session (callers answer 404).

    The rule of `sessions_for_user`, checked on the one row read by its primary key (a plain
    join, without the list's DISTINCT over OR-ed joins): this read is on every page and save.
    """
    return session_and_answers_for_user(user, session_id, with_answers=False)[0]


def session_and_answers_for_user(
    user, session_id, *, with_answers: bool = True
) -> tuple[AssessmentSession, dict[str, scoring.Answer] | None]:
    """`session_for_user`, and the session's answers read with it when that was possible (else
    None: read them with `session_answers`). For a page that reads them first thing (the take
    page); anything that saves in between must read them again."""
    session, answers = _row_and_answers(
        AssessmentSession, "m0.id = %s", [session_id], with_answers=with_answers
    )
    if session is _NOT_CACHED:
        found = list(
            AssessmentSession.objects.select_related(
                "questionnaire_version__questionnaire",
                "questionnaire_version__analysis_model",
                "subject",
                "survey",
            )
            .filter(pk=session_id)
            .order_by()[:1]  # by primary key: no ORDER BY to build (`first()` adds one)
        )
        session = found[0] if found else None
    if session is None or not user.is_authenticated:
        raise AssessmentSession.DoesNotExist("No such session.")
    subject = session.subject
    answerers = {session.respondent_user_id}
    if session.survey_id is None:
        answerers |= {subject.user_id, subject.owner_id}
    if user.pk not in answerers:
        raise AssessmentSession.DoesNotExist("No such session.")
    plan = _plan_of(session.questionnaire_version)
    if plan is not None and plan.is_published:
        _remember_session(session.pk, plan.key, frozenset(answerers - {None}))
    return session, answers


# What never changes about a session once it exists, remembered per process for the API
# autosave's single statement (`services.responses_autosave_remembered`): the key of its
# version's plan, and who may answer it (its respondent, and outside a survey the person it is
# about and their owner). That statement checks the owner rule again as it writes, so this is
# only a way to skip reading the row, never the permission itself.
_REMEMBERED_SESSIONS_MAX = 10_000
_remembered_sessions: collections.OrderedDict = collections.OrderedDict()


def _remember_session(session_id, key: questionnaire_plan.PlanKey, answerers: frozenset) -> None:
    _remembered_sessions[session_id] = (key, answerers)
    while len(_remembered_sessions) > _REMEMBERED_SESSIONS_MAX:
        with contextlib.suppress(KeyError):  # another thread emptied it meanwhile
            _remembered_sessions.popitem(last=False)


def remembered_session_plan(user, session_id) -> VersionPlan | None:
    """The plan of the session `session_id` when this process has read the session before and
    `user` may answer it, and the plan is still kept here; else None (read the session)."""
    remembered = _remembered_sessions.get(session_id)
    if remembered is None or not user.is_authenticated or user.pk not in remembered[1]:
        return None
    return questionnaire_plan.cached_plan(remembered[0])


# The session row that every taking page and save reads first (and an anonymous responder's
# survey), with its subject (and survey) and the plan key of its version, as one statement
# written once per process from the models' fields. Its version (with questionnaire and analysis
# model) is then the plan's shared copy, as `select_related` would have loaded it: the same key
# means the same rows. Compiling the ORM's five- or six-table select_related on every request
# cost more than running it, and reading the version, questionnaire and analysis model rows
# whole (their JSON columns) more again.
_NOT_CACHED = object()


@dataclass(frozen=True)
class _RowPart:
    model: type
    relation: str  # the field of the main row that this part fills ("" for the main row)
    width: int  # how many columns of the row are this part's
    pk_index: int


@functools.cache
def _row_statement(model: type, with_answers: bool = False) -> tuple[str, tuple[_RowPart, ...]]:
    """SELECT … FROM the model's table (alias `m0`) with its subject, its survey (a session's)
    and its version's plan key, for `_row_with_plan`; `with_answers` (a session): then also its
    answers' columns as parallel arrays (one aggregate, so one row order)."""
    meta, version = model._meta, QuestionnaireVersion._meta
    related = [name for name in ("subject", "survey") if any(f.name == name for f in meta.concrete_fields)]
    parts, columns, joins = [], [], []
    for index, relation in enumerate(["", *related]):
        part_model = model if not relation else meta.get_field(relation).related_model
        fields = part_model._meta.concrete_fields
        columns.append(select_columns(part_model, f"m{index}"))
        pk_index = fields.index(part_model._meta.pk)
        parts.append(_RowPart(part_model, relation, len(fields), pk_index))
        if relation:
            outer = "LEFT JOIN" if meta.get_field(relation).null else "JOIN"
            table = part_model._meta.db_table
            joins.append(
                f' {outer} "{table}" m{index} ON m{index}.id = m0."{meta.get_field(relation).column}"'
            )

    def table(name: str) -> str:
        return version.get_field(name).related_model._meta.db_table

    sql = (
        f"SELECT {', '.join(columns)}, v.updated_at, v.published_at, q.updated_at, a.updated_at"
        f' FROM "{meta.db_table}" m0{"".join(joins)}'
        f' JOIN "{version.db_table}" v ON v.id = m0."{meta.get_field("questionnaire_version").column}"'
        f' JOIN "{table("questionnaire")}" q ON q.id = v."{version.get_field("questionnaire").column}"'
        f' JOIN "{table("analysis_model")}" a ON a.id = v."{version.get_field("analysis_model").column}"'
    )
    if with_answers:
        arrays = ", ".join(f"array_agg(r.{column})" for column in _ANSWER_COLUMNS)
        sql = sql.replace(" FROM ", ", answers.* FROM ", 1)
        sql += f" LEFT JOIN LATERAL (SELECT {arrays} FROM {Response._meta.db_table} r"
        sql += " WHERE r.session_id = m0.id) answers ON true"
    return sql, tuple(parts)


_ANSWER_COLUMNS = ("item_id", "value_boolean", "value_number", "value_text", "selected_option_id")


def _row_with_plan(model: type, where: str, params: list, order: str = "", **known):
    """The first `model` row matching `where` (SQL on alias `m0`), with its subject, survey (a
    session's; or the one given in `known`) and version (the cached plan's); None when there is
    none; `_NOT_CACHED` when its version has no plan in this process (a draft, a version changed
    since, the first request): the caller then loads it with the ORM, as before."""
    return _row_and_answers(model, where, params, order, **known)[0]


def _row_and_answers(
    model: type, where: str, params: list, order: str = "", *, with_answers: bool = False, **known
) -> tuple[Any, dict[str, scoring.Answer] | None]:
    """`_row_with_plan`, and with `with_answers` the session's answers as `session_answers` reads
    them, from the same statement (None when not read so: a version with multiple choice items,
    whose selections that statement leaves out)."""
    sql, parts = _row_statement(model, with_answers)
    with prepared_statement_cursor() as cursor:
        cursor.execute(f"{sql} WHERE {where}{order} LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return None, None
    main_part, *related = parts
    end = main_part.width
    instance = model_from_row(main_part.model, row[:end])
    starts = []
    for part in related:
        starts.append(end)
        end += part.width
    plan = questionnaire_plan.cached_plan((instance.questionnaire_version_id, *row[end : end + 4]))
    if plan is None:
        return _NOT_CACHED, None
    cache = instance._state.fields_cache
    cache["questionnaire_version"] = plan.version
    for part, start in zip(related, starts, strict=True):
        if part.relation in known:
            cache[part.relation] = known[part.relation]
        elif row[start + part.pk_index] is None:  # an outer join that found nothing
            cache[part.relation] = None
        else:
            cache[part.relation] = model_from_row(part.model, row[start : start + part.width])
    if not with_answers or plan.derived("answer_keys", _answer_keys).has_multi_choice:
        return instance, None
    columns = row[end + 4 :]
    rows = zip(*columns, [None] * len(columns[0]), strict=True) if columns[0] is not None else ()
    return instance, answers_from_rows(plan, rows)


def latest_run(session: AssessmentSession) -> AnalysisRun | None:
    return session.runs.order_by("-created_at").first()


def run_scores(run: AnalysisRun) -> list[TraitScore]:
    return list(
        TraitScore.objects.filter(run=run)
        .select_related("dimension__parent")
        .order_by("dimension__parent_id", "dimension__sort_order", "dimension__slug")
    )


def run_composites(run: AnalysisRun) -> list[CompositeScore]:
    return list(CompositeScore.objects.filter(run=run).select_related("composite", "primary_dimension"))


def run_components(run: AnalysisRun | None) -> list[ResponseTraitComponent]:
    """The audit rows of `run`, in item order: its own, or — for a run scored in SQL — those of
    the answers it scored, from the version's `OptionContribution`s (unsaved rows, equal field by
    field to what the engine would have written). One query either way."""
    if run is None or run.scored_option_ids is None:
        return list(
            ResponseTraitComponent.objects.filter(run=run)
            .select_related("item__bank_item", "option", "dimension")
            .order_by("item__sort_order", "id")
        )
    answered = set(zip(run.scored_item_ids, run.scored_option_ids, strict=True))
    version = AssessmentSession.objects.filter(pk=run.session_id).values("questionnaire_version_id")
    contributions = (
        OptionContribution.objects.filter(
            version_id=Subquery(version),
            score_version=run.score_version,
            item_id__in={item for item, _option in answered},
            chosen_option_id__in={option for _item, option in answered},
        )
        .select_related("item__bank_item", "option", "dimension")
        .order_by("item__sort_order", "item_id", "position")
    )
    return [
        ResponseTraitComponent(
            run=run,
            item=c.item,
            option=c.option,
            dimension=c.dimension,
            mapping_id=c.mapping_id,
            rule_type=c.rule_type,
            input_value=c.input_value,
            contribution=c.contribution,
        )
        for c in contributions
        if (c.item_id, c.chosen_option_id) in answered
    ]


ANSWERED = [AssessmentSession.Status.SUBMITTED, AssessmentSession.Status.SCORED]


def with_response_counts(surveys: QuerySet[Survey]) -> QuerySet[Survey]:
    """`response_count` (every submitted answer) and `duplicate_count` (of them, those flagged
    as likely duplicates), in the same query as the surveys."""
    return surveys.annotate(
        response_count=Count("sessions", filter=Q(sessions__status__in=ANSWERED)),
        duplicate_count=Count(
            "sessions", filter=Q(sessions__status__in=ANSWERED, sessions__likely_duplicate=True)
        ),
    )


def surveys_for_owner(user) -> QuerySet[Survey]:
    return with_response_counts(
        Survey.objects.filter(owner=user).select_related("questionnaire_version__questionnaire", "subject")
    )


def subject_averages(subject_ids: Iterable) -> QuerySet[SubjectTraitAverage]:
    return SubjectTraitAverage.objects.filter(subject_id__in=list(subject_ids)).select_related(
        "dimension", "questionnaire_version__questionnaire"
    )


# --------------------------------------------------------------------------- survey aggregates


@dataclass(frozen=True)
class DimensionComparison:
    dimension: TraitDimension
    others_n: int
    others_mean_raw: float | None
    others_mean_normalized: float | None
    self_raw: float | None
    self_normalized: float | None


@dataclass(frozen=True)
class SurveyAggregate:
    survey: Survey
    responses: int  # scored answers the means are built from (likely duplicates unless excluded)
    likely_duplicates: int  # scored answers flagged as likely duplicates, included or not
    duplicates_excluded: bool  # the owner left the likely duplicates out of `responses`
    threshold: int
    shown: bool  # False until `threshold` responders were scored (privacy)
    self_session: AssessmentSession | None
    dimensions: list[DimensionComparison]


def latest_done_run_ids(sessions: QuerySet[AssessmentSession]) -> QuerySet:
    """Ids of each session's newest finished run (one set-based query, DISTINCT ON)."""
    return (
        AnalysisRun.objects.filter(session__in=sessions, status=AnalysisRun.Status.DONE)
        .order_by("session_id", "-created_at")
        .distinct("session_id")
        .values("id")
    )


def survey_aggregate(survey: Survey) -> SurveyAggregate:
    """Others' mean per dimension beside the subject's own latest self-assessment.

    Built from `survey_sessions_counted`. The min-n floor counts only answers not flagged as
    likely duplicates, so a person answering twice never makes up the numbers on their own.
    """
    others = survey_sessions_counted(survey)
    rows = (
        TraitScore.objects.filter(run_id__in=Subquery(latest_done_run_ids(others)))
        .values("dimension_id")
        .annotate(n=Count("id"), mean_raw=Avg("raw_score"), mean_normalized=Avg("normalized_score"))
    )
    by_dimension = {row["dimension_id"]: row for row in rows}
    responses = max((row["n"] for row in by_dimension.values()), default=0)
    likely_duplicates = AnalysisRun.objects.filter(
        id__in=Subquery(latest_done_run_ids(survey_sessions_answered(survey))), session__likely_duplicate=True
    ).count()
    duplicates_in = 0 if survey.exclude_likely_duplicates else likely_duplicates
    threshold = max(MIN_RESPONSES_FLOOR, survey.min_responses_to_show)
    shown = responses - duplicates_in >= threshold

    self_session = (
        AssessmentSession.objects.filter(
            subject=survey.subject,
            survey__isnull=True,
            respondent_kind=AssessmentSession.RespondentKind.SELF,
            questionnaire_version=survey.questionnaire_version,
            status=AssessmentSession.Status.SCORED,
        )
        .order_by("-scored_at")
        .first()
    )
    self_scores: dict[int, TraitScore] = {}
    if self_session is not None:
        run = self_session.runs.filter(status=AnalysisRun.Status.DONE).order_by("-created_at").first()
        if run is not None:
            self_scores = {score.dimension_id: score for score in TraitScore.objects.filter(run=run)}

    dimensions = TraitDimension.objects.filter(
        analysis_model_id=survey.questionnaire_version.analysis_model_id
    ).select_related("parent")
    comparisons = []
    for dimension in dimensions:
        row = by_dimension.get(dimension.pk) if shown else None
        if row is not None and row["n"] - duplicates_in < threshold:
            row = None  # a dimension fewer people were scored on: its mean would single them out
        own = self_scores.get(dimension.pk)
        comparisons.append(
            DimensionComparison(
                dimension=dimension,
                others_n=row["n"] if row else 0,
                others_mean_raw=row["mean_raw"] if row else None,
                others_mean_normalized=row["mean_normalized"] if row else None,
                self_raw=own.raw_score if own else None,
                self_normalized=own.normalized_score if own else None,
            )
        )
    return SurveyAggregate(
        survey=survey,
        responses=responses,
        likely_duplicates=likely_duplicates,
        duplicates_excluded=survey.exclude_likely_duplicates,
        threshold=threshold,
        shown=shown,
        self_session=self_session,
        dimensions=comparisons,
    )


@dataclass(frozen=True)
class ItemComparison:
    """One question: the others' mean answer (n at or above min-n) beside the subject's own."""

    item: QuestionnaireItem
    others_n: int
    others_mean: float
    self_value: float | None
    low: float  # the answer scale, to compare gaps between questions
    high: float

    @property
    def gap(self) -> float | None:
        """(others − self) as a share of the answer scale, −1 … 1; None without a self answer."""
        if self.self_value is None or not self.high > self.low:
            return None
        return (self.others_mean - self.self_value) / (self.high - self.low)


def _answer_scale(item: QuestionnaireItem) -> tuple[float, float] | None:
    kind = item.bank_item.question_type
    if kind == "boolean":
        return 0.0, 1.0
    if kind == "scalar":
        low, high = item.config.get("min"), item.config.get("max")
        return (float(low), float(high)) if low is not None and high is not None else None
    if kind == "single_choice":
        values = [o.value for o in item.bank_item.options.all() if o.value is not None]
        return (min(values), max(values)) if values else None
    return None  # multi choice and text have no single number to average


def survey_item_comparisons(aggregate: SurveyAggregate) -> list[ItemComparison]:
    """Per question with a numeric answer: the anonymous responders' mean answer and n, beside the
    subject's own answer. Questions answered by fewer than min-n people are left out (their mean
    would reveal answers), and nothing at all is returned before the survey's results show.
    Two queries, whatever the number of responders or questions."""
    if not aggregate.shown:
        return []
    survey = aggregate.survey
    version = version_with_items(survey.questionnaire_version_id)
    items = {item.pk: item for item in version.items.all() if not item.unscored}
    scales = {pk: scale for pk, item in items.items() if (scale := _answer_scale(item)) is not None}
    if not scales:
        return []
    rows = (
        Response.objects.filter(
            session__survey=survey, session__status=AssessmentSession.Status.SCORED, item_id__in=list(scales)
        )
        .values("item_id")
        .annotate(
            n_number=Count("id", filter=Q(value_number__isnull=False)),
            n_option=Count("id", filter=Q(selected_option__value__isnull=False)),
            n_boolean=Count("id", filter=Q(value_boolean__isnull=False)),
            mean_number=Avg("value_number"),
            mean_option=Avg("selected_option__value"),
            mean_boolean=Avg(Cast("value_boolean", IntegerField())),
        )
    )
    own: dict[int, float] = {}
    if aggregate.self_session is not None:
        for response in Response.objects.filter(
            session=aggregate.self_session, item_id__in=list(scales)
        ).select_related("selected_option"):
            value = _response_number(response)
            if value is not None:
                own[response.item_id] = value
    found = []
    for row in rows:
        item = items[row["item_id"]]
        kind = item.bank_item.question_type
        n, mean = {
            "boolean": (row["n_boolean"], row["mean_boolean"]),
            "scalar": (row["n_number"], row["mean_number"]),
            "single_choice": (row["n_option"], row["mean_option"]),
        }[kind]
        if n < aggregate.threshold or mean is None:
            continue
        low, high = scales[item.pk]
        found.append(ItemComparison(item, n, float(mean), own.get(item.pk), low, high))
    return sorted(found, key=lambda c: c.item.sort_order)


def _response_number(response: Response) -> float | None:
    if response.value_boolean is not None:
        return 1.0 if response.value_boolean else 0.0
    if response.value_number is not None:
        return float(response.value_number)
    if response.selected_option_id and response.selected_option.value is not None:
        return float(response.selected_option.value)
    return None


# --------------------------------------------------------------------------- API helpers


def session_progress(version: QuestionnaireVersion, answers: dict[str, scoring.Answer]) -> Progress:
    """`version` from `version_with_items`, `answers` from `session_answers` (no queries)."""
    instrument = engine_instrument(version)
    items = {item.key: item for item in instrument.items}
    visible, _skipped = scoring.visible_items(instrument, answers)
    return progress_of(items, visible, answers)


def answer_wire_value(question_type: str, answer: scoring.Answer) -> bool | int | float | str | list | None:
    """An answer as the API takes it: bool, number, option key, list of option keys or text."""
    if question_type == "boolean":
        return answer.boolean
    if question_type == "scalar":
        if answer.number is None:
            return None
        number = float(answer.number)
        return int(number) if number.is_integer() else number
    if question_type == "single_choice":
        return answer.option
    if question_type == "multi_choice":
        return list(answer.options)
    return answer.text or ""


def runs_for_session(session: AssessmentSession) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(session=session).order_by("-created_at")


def run_for_session(session: AssessmentSession, run_id) -> AnalysisRun:
    """Raises AnalysisRun.DoesNotExist when the run belongs to another session."""
    return runs_for_session(session).get(pk=run_id)


# --------------------------------------------------------------------------- results: standing and shares


@dataclass(frozen=True)
class CohortCount:
    """How one dimension's score compares with the cohort's: counts, never anyone's score."""

    below: int
    equal: int
    n: int


def cohort_counts(session: AssessmentSession, scores: Iterable[TraitScore]) -> dict[int, CohortCount]:
    """{dimension id: CohortCount} of `scores` (the session's) among other people's results on
    the same analysis model: each human subject's latest finished self-assessment, except the
    session's own subject; survey answers and agents never count. Compares item means (skipped
    items do not matter). One query, counted in PostgreSQL, however large the cohort."""
    mine = {s.dimension_id: s.item_mean for s in scores if s.item_count and s.item_mean is not None}
    if not mine:
        return {}
    cohort_runs = (
        AnalysisRun.objects.filter(
            status=AnalysisRun.Status.DONE,
            session__survey__isnull=True,
            session__respondent_kind=AssessmentSession.RespondentKind.SELF,
            session__subject__subject_type=SubjectProfile.SubjectType.HUMAN,
            session__questionnaire_version__analysis_model_id=session.questionnaire_version.analysis_model_id,
        )
        .exclude(session__subject_id=session.subject_id)
        .order_by("session__subject_id", "-created_at")
        .distinct("session__subject_id")
        .values("id")
    )
    below, equal = Q(pk__in=[]), Q(pk__in=[])
    for dimension_id, value in mine.items():
        below |= Q(dimension_id=dimension_id, item_mean__lt=value)
        equal |= Q(dimension_id=dimension_id, item_mean=value)
    rows = (
        TraitScore.objects.filter(
            run_id__in=Subquery(cohort_runs),
            dimension_id__in=list(mine),
            item_mean__isnull=False,
            item_count__gt=0,
        )
        .values("dimension_id")
        .annotate(n=Count("id"), below=Count("id", filter=below), equal=Count("id", filter=equal))
    )
    return {row["dimension_id"]: CohortCount(row["below"], row["equal"], row["n"]) for row in rows}


def result_shares_active(session: AssessmentSession) -> list[ResultShare]:
    """The session's links that still work, newest first."""
    return list(
        ResultShare.objects.filter(session=session, revoked_at__isnull=True)
        .select_related("run")
        .order_by("-created_at")
    )


def result_share_for_session(session: AssessmentSession, share_id) -> ResultShare:
    """Raises ResultShare.DoesNotExist for a share of another session (callers answer 404)."""
    return ResultShare.objects.get(session=session, pk=share_id)


def result_share_by_token(token: str) -> ResultShare:
    """The working share behind a link, with what its page shows; raises ResultShare.DoesNotExist
    for an unknown or revoked link (callers answer 404, the same for both)."""
    return ResultShare.objects.select_related(
        "run",
        "session__questionnaire_version__questionnaire",
        "session__questionnaire_version__analysis_model",
        "session__subject",
    ).get(token=token, revoked_at__isnull=True)


def subjects_for_user(user) -> QuerySet[SubjectProfile]:
    """Subjects the user is (their own human profile) or manages (agents, cohorts)."""
    return SubjectProfile.objects.filter(Q(user=user) | Q(owner=user))


def survey_for_user(user, survey_id, *, staff_sees_all: bool = False) -> Survey:
    """The user's survey with `response_count`; staff see every survey when `staff_sees_all`.

    Raises Survey.DoesNotExist otherwise (callers answer 404).
    """
    surveys = Survey.objects.all() if staff_sees_all and user.is_staff else Survey.objects.filter(owner=user)
    return with_response_counts(
        surveys.select_related("questionnaire_version__questionnaire", "subject")
    ).get(pk=survey_id)


def survey_sessions_answered(survey: Survey) -> QuerySet[AssessmentSession]:
    """The survey's submitted (or scored) sessions, likely duplicates included."""
    return AssessmentSession.objects.filter(survey=survey, status__in=ANSWERED)


def survey_sessions_counted(survey: Survey) -> QuerySet[AssessmentSession]:
    """The answers the survey's results and export are built from: every submitted one, minus
    those flagged as likely duplicates when the owner chose to leave them out."""
    answered = survey_sessions_answered(survey)
    return answered.filter(likely_duplicate=False) if survey.exclude_likely_duplicates else answered


def survey_independent_count(survey: Survey) -> int:
    """Submitted answers not flagged as likely duplicates: what the min-n privacy floor counts,
    whether or not flagged answers are included (one person answering twice is still one).
    Read from `with_response_counts` when the survey carries it."""
    if hasattr(survey, "response_count") and hasattr(survey, "duplicate_count"):
        return survey.response_count - survey.duplicate_count
    return survey_sessions_answered(survey).filter(likely_duplicate=False).count()


def survey_invitations(survey: Survey) -> QuerySet[SurveyInvitation]:
    return SurveyInvitation.objects.filter(survey=survey).order_by("created_at", "id")


def survey_invitation(survey: Survey, invitation_id) -> SurveyInvitation:
    """Raises SurveyInvitation.DoesNotExist for another survey's invitation (callers answer 404)."""
    return SurveyInvitation.objects.get(survey=survey, pk=invitation_id)


def invitation_by_token(survey: Survey, token: str) -> SurveyInvitation | None:
    return SurveyInvitation.objects.filter(survey=survey, token=token).first()


def sessions_for_version(version: QuestionnaireVersion) -> QuerySet[AssessmentSession]:
    """Every session of `version` except anonymous survey answers: those were promised to be
    seen only as aggregates, so no export (staff's included) has a row of one responder."""
    return AssessmentSession.objects.filter(questionnaire_version=version, survey__isnull=True)


def subject_averages_visible(subject: SubjectProfile) -> list[SubjectTraitAverage]:
    """`subject_averages` for one subject, minus anonymous averages of too few responders.

    An average of anonymous survey answers is kept only when at least as many sessions went
    into it as the strictest `min_responses_to_show` of the subject's surveys on that version
    (default 3): below that, a mean would show individual answers. Two queries.
    """
    thresholds = dict(
        Survey.objects.filter(subject=subject)
        .values("questionnaire_version_id")
        .annotate(threshold=Max("min_responses_to_show"))
        .values_list("questionnaire_version_id", "threshold")
    )
    rows = (
        subject_averages([subject.pk])
        .select_related("dimension__parent")
        .order_by("questionnaire_version_id", "respondent_kind", "dimension__sort_order", "dimension__slug")
    )
    return [
        row
        for row in rows
        if row.respondent_kind != AssessmentSession.RespondentKind.ANONYMOUS
        # Never below the floor, whatever a survey row says (or with no survey row at all).
        or row.session_count >= max(MIN_RESPONSES_FLOOR, thresholds.get(row.questionnaire_version_id, 0))
    ]


# --------------------------------------------------------------------------- pages: take, results, dashboard


def self_session_in_progress(user, version: QuestionnaireVersion) -> AssessmentSession | None:
    """The user's newest unfinished self-assessment of `version`, to offer "Continue"."""
    return (
        sessions_for_user(user)
        .filter(
            questionnaire_version=version,
            survey__isnull=True,
            respondent_kind=AssessmentSession.RespondentKind.SELF,
            status=AssessmentSession.Status.IN_PROGRESS,
        )
        .order_by("-updated_at")
        .first()
    )


def sessions_for_dashboard(user, limit: int) -> list[AssessmentSession]:
    """The user's self-assessments, newest activity first. Unfinished ones carry
    `progress` (answered / visible, branch rules applied, as on the taking page). Five queries
    however many sessions there are."""
    mine = sessions_for_user(user).filter(
        survey__isnull=True, respondent_kind=AssessmentSession.RespondentKind.SELF
    )
    mine = mine.exclude(status=AssessmentSession.Status.ABANDONED)  # set aside by "Start again"
    sessions = list(mine.order_by("-updated_at")[:limit])
    progress = sessions_progress([s for s in sessions if s.status == AssessmentSession.Status.IN_PROGRESS])
    for session in sessions:
        session.progress = progress.get(session.pk)
    return sessions


def sessions_progress(sessions: list[AssessmentSession]) -> dict:
    """{session id: Progress} for several sessions at once (four queries)."""
    if not sessions:
        return {}
    items = (
        QuestionnaireItem.objects.filter(version_id__in={s.questionnaire_version_id for s in sessions})
        .select_related("bank_item")
        .prefetch_related("branch_rules")
        .order_by("version_id", "sort_order", "id")
    )
    by_version: dict[int, list[scoring.Item]] = {}
    for item in items:
        by_version.setdefault(item.version_id, []).append(
            scoring.Item(
                key=item.key,
                type=item.bank_item.question_type,
                required=item.required,
                config=item.config,
                branch=tuple(
                    scoring.BranchRule(action=rule.action, logic=rule.logic)
                    for rule in item.branch_rules.all()
                ),
            )
        )
    answers: dict = {}
    responses = (
        Response.objects.filter(session__in=sessions)
        .select_related("item", "selected_option")
        .prefetch_related("selected_options")
    )
    for response in responses:
        answers.setdefault(response.session_id, {})[response.item.key] = answer_from_response(response)
    model = scoring.ModelDefinition(dimensions=())
    result = {}
    for session in sessions:
        version_items = tuple(by_version.get(session.questionnaire_version_id, ()))
        given = answers.get(session.pk, {})
        visible, _skipped = scoring.visible_items(scoring.Instrument(model=model, items=version_items), given)
        kinds = {item.key: item for item in version_items}
        result[session.pk] = progress_of(kinds, visible, given)
    return result


def session_responses(session: AssessmentSession) -> list[Response]:
    """The session's answers as rows (for showing them with their option labels): two queries."""
    return list(
        Response.objects.filter(session=session)
        .select_related("item__bank_item", "selected_option")
        .prefetch_related(
            Prefetch("selected_options", queryset=QuestionOption.objects.order_by("sort_order", "key"))
        )
    )


def items_for_versions(version_ids: Iterable[int]) -> dict[int, list[QuestionnaireItem]]:
    """{version id: its items with bank items and options} for several versions (two queries)."""
    items = (
        QuestionnaireItem.objects.filter(version_id__in=list(version_ids))
        .select_related("bank_item")
        .prefetch_related("bank_item__options")
        .order_by("version_id", "sort_order", "id")
    )
    grouped: dict[int, list[QuestionnaireItem]] = {}
    for item in items:
        grouped.setdefault(item.version_id, []).append(item)
    return grouped


def thresholds_for_dimensions(dimension_ids: Iterable[int]) -> list[TraitThreshold]:
    return list(TraitThreshold.objects.filter(dimension_id__in=list(dimension_ids)))


def survey_by_share_token(share_token: str) -> Survey:
    """Raises Survey.DoesNotExist for an unknown link (callers answer 404)."""
    survey = _row_with_plan(Survey, "m0.share_token = %s", [share_token])
    if survey is None:
        raise Survey.DoesNotExist("No such survey.")
    if survey is not _NOT_CACHED:
        return survey
    return Survey.objects.select_related(
        "subject", "questionnaire_version__questionnaire", "questionnaire_version__analysis_model"
    ).get(share_token=share_token)


def survey_responder_session(survey: Survey, responder_id: str) -> AssessmentSession | None:
    return survey_responder_session_and_answers(survey, responder_id, with_answers=False)[0]


def survey_responder_session_and_answers(
    survey: Survey, responder_id: str, *, with_answers: bool = True
) -> tuple[AssessmentSession | None, dict[str, scoring.Answer] | None]:
    """`survey_responder_session`, and its answers as `session_and_answers_for_user` reads them."""
    if not responder_id:
        return None, None
    session, answers = _row_and_answers(
        AssessmentSession,
        "m0.survey_id = %s AND m0.responder_id = %s",
        [survey.pk, responder_id],
        order=" ORDER BY m0.started_at DESC",  # the model's ordering, as `first()` applies it
        with_answers=with_answers,
        survey=survey,
    )
    if session is not _NOT_CACHED:
        return session, answers
    session = (
        AssessmentSession.objects.filter(survey=survey, responder_id=responder_id)
        .select_related(
            "questionnaire_version__questionnaire",
            "questionnaire_version__analysis_model",
            "subject",
            "survey",
        )
        .first()
    )
    return session, None
