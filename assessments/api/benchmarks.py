"""LLM benchmarks: agent subjects, benchmarks (start, follow, cancel), batches, cohorts and
persona fidelity.

Every object is loaded through one helper per kind that answers 404 for other users' objects.
"""

from __future__ import annotations

from uuid import UUID

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.common import NOT_FOUND, _error, _invalid, _published_version
from assessments.benchmarks import cohorts, fidelity, selectors, services, stats
from assessments.models import AssessmentBatch, Benchmark, SubjectProfile
from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictCharField, StrictFloatField, StrictIntegerField, StrictQuerySerializer
from personas.selectors import personas as persona_selectors
from questionnaires.models import QuestionnaireVersion

BENCHMARKS = "benchmarks"

# --------------------------------------------------------------------------- serializers


class AgentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    metadata = serializers.JSONField(
        help_text="model, base_url, api_key_env (the name of an environment variable; never the key), "
        "temperature, max_tokens, seed, system_prompt, price_per_1k_tokens."
    )
    created_at = serializers.DateTimeField()


class AgentCreateSerializer(serializers.Serializer):
    display_name = StrictCharField(max_length=200)
    model = StrictCharField(max_length=200)
    base_url = StrictCharField(required=False, allow_blank=True)
    api_key_env = StrictCharField(required=False, allow_blank=True)
    temperature = StrictFloatField(required=False, allow_null=True)
    max_tokens = StrictIntegerField(required=False, allow_null=True)
    seed = StrictIntegerField(required=False, allow_null=True)
    system_prompt = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    price_per_1k_tokens = StrictFloatField(required=False, allow_null=True)
    structured_output = serializers.ChoiceField(
        choices=["", "object", "value"],
        required=False,
        allow_blank=True,
        help_text='Constrain replies with a JSON schema: "object" ({"answer": …}; OpenAI), "value" (the bare '
        "answer; llama.cpp, vLLM, Ollama), empty for plain text.",
    )


class BenchmarkCreateSerializer(serializers.Serializer):
    agent = serializers.UUIDField()
    questionnaire = serializers.SlugField()
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    runs = serializers.IntegerField(min_value=1, max_value=10_000)
    concurrency = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1_000)
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**62 - 1)
    max_retries = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=5)
    items_per_prompt = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=1_000,
        help_text="Items asked in one prompt (capped).",
    )


class ProgressSerializer(serializers.Serializer):
    status = serializers.CharField()
    runs_requested = serializers.IntegerField()
    runs_done = serializers.IntegerField()
    runs_running = serializers.IntegerField()
    runs_failed = serializers.IntegerField()
    runs_cancelled = serializers.IntegerField()
    items_answered = serializers.IntegerField()
    items_invalid = serializers.IntegerField()
    items_total = serializers.IntegerField()
    invalid_rate = serializers.FloatField(allow_null=True)
    exchanges = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    cost_estimate = serializers.FloatField(allow_null=True)
    elapsed_seconds = serializers.FloatField()
    eta_seconds = serializers.FloatField(allow_null=True)
    items_per_second = serializers.FloatField(allow_null=True)


class BenchmarkSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    agent = serializers.UUIDField(source="agent_id")
    agent_name = serializers.CharField(source="agent.display_name")
    questionnaire = serializers.CharField(source="questionnaire_version.questionnaire.slug")
    version = serializers.IntegerField(source="questionnaire_version.version")
    runs_requested = serializers.IntegerField()
    concurrency = serializers.IntegerField()
    max_retries = serializers.IntegerField()
    items_per_prompt = serializers.IntegerField()
    seed = serializers.IntegerField()
    status = serializers.CharField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    progress = ProgressSerializer(required=False)


class BatchSerializer(serializers.Serializer):
    subject = serializers.UUIDField(source="subject_id")
    questionnaire = serializers.CharField(source="questionnaire_version.questionnaire.slug")
    version = serializers.IntegerField(source="questionnaire_version.version")
    session_count = serializers.IntegerField()
    dimensions = serializers.SerializerMethodField()
    refreshed_at = serializers.DateTimeField()

    def get_dimensions(self, batch: AssessmentBatch) -> dict:
        # Cohorts keep their members' sorted scores for percentiles; those never leave the server.
        return {
            slug: {key: value for key, value in entry.items() if key != "values"}
            for slug, entry in batch.stats.items()
        }


class CohortCreateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=200)
    questionnaire = serializers.SlugField()
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    source = serializers.ChoiceField(choices=cohorts.SOURCES)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=100)
    survey = serializers.UUIDField(required=False, allow_null=True)


class CohortSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    display_name = serializers.CharField()
    metadata = serializers.JSONField()
    created_at = serializers.DateTimeField()


class VersionRefSerializer(serializers.Serializer):
    questionnaire = serializers.CharField(source="questionnaire.slug")
    version = serializers.IntegerField()


class FidelityPersonaSerializer(serializers.Serializer):
    agent = serializers.UUIDField(source="agent.pk", help_text="The agent subject the persona answered as.")
    persona = serializers.CharField(source="persona_id")
    mapper = serializers.CharField(help_text="The mapper and its version that wrote the persona.")
    runs = serializers.IntegerField()
    mad_own = serializers.FloatField(
        allow_null=True, help_text="Mean absolute difference from the person's own scores (0–1)."
    )
    r_own = serializers.FloatField(
        allow_null=True, help_text="Pearson's r with the person's own scores, across dimensions."
    )
    mad_others = serializers.FloatField(allow_null=True, help_text="The same against what others said.")
    r_others = serializers.FloatField(allow_null=True)
    dimensions_compared = serializers.IntegerField()


class FidelityDimensionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    is_facet = serializers.BooleanField()
    own = serializers.FloatField(allow_null=True, help_text="The person's latest self-assessment, 0–1.")
    others = serializers.FloatField(
        allow_null=True, help_text="The surveys' aggregate, 0–1; null below min-n."
    )
    others_n = serializers.IntegerField()
    persona = serializers.FloatField(
        allow_null=True, help_text="The chosen persona's mean over its runs, 0–1."
    )
    persona_sd = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True, help_text="|persona − own|.")


class FidelitySerializer(serializers.Serializer):
    version = VersionRefSerializer(allow_null=True, help_text="The version compared (null: none taken).")
    versions = VersionRefSerializer(
        many=True, help_text="Every version the person has a scored self-assessment of."
    )
    own_session = serializers.UUIDField(allow_null=True)
    others_shown = serializers.BooleanField()
    others_n = serializers.IntegerField()
    personas = FidelityPersonaSerializer(many=True)
    chosen_agent = serializers.UUIDField(allow_null=True, help_text="Whose figures `dimensions` shows.")
    dimensions = FidelityDimensionSerializer(many=True)


class FidelityQuerySerializer(StrictQuerySerializer):
    questionnaire = serializers.SlugField(required=False)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    persona_agent = serializers.UUIDField(required=False)


class FidelityStartSerializer(serializers.Serializer):
    persona = serializers.UUIDField()
    questionnaire = serializers.SlugField(required=False)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    runs = serializers.IntegerField(min_value=1, max_value=10_000)
    concurrency = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1_000)
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**62 - 1)


# --------------------------------------------------------------------------- loaders (404 when not yours)


def _agent_for_user(user, agent_id: UUID) -> SubjectProfile:
    agent = selectors.agents_for_user(user).filter(pk=agent_id).first()
    if agent is None:
        raise NotFound("There is no such agent.")
    return agent


def _cohort_for_user(user, cohort_id: UUID) -> SubjectProfile:
    cohort = selectors.cohorts_for_user(user).filter(pk=cohort_id).first()
    if cohort is None:
        raise NotFound("There is no such cohort.")
    return cohort


def _benchmark_for_user(user, benchmark_id: UUID) -> Benchmark:
    try:
        return selectors.benchmark_for_user(user, benchmark_id)
    except Benchmark.DoesNotExist:
        raise NotFound("There is no such benchmark.") from None


def _human_for_user(user, subject_id: UUID) -> SubjectProfile:
    try:
        return fidelity.person_for_user(user, subject_id)
    except fidelity.NoSuchPerson as exc:
        raise NotFound(exc.message) from None


def _version_taken(
    versions: list[QuestionnaireVersion], slug: str | None, number: int | None
) -> QuestionnaireVersion | None:
    """The version asked for among those the person took (`versions`, latest first); None when
    they took none. Asking for one they did not take is a 400 naming it."""
    if slug is None and number is None:
        return versions[0] if versions else None
    found = next(
        (
            version
            for version in versions
            if (slug is None or version.questionnaire.slug == slug)
            and (number is None or version.version == number)
        ),
        None,
    )
    if found is None:
        raise ValidationError(
            {"version": ["The person has no scored self-assessment of this questionnaire version."]}
        )
    return found


def _benchmark(benchmark: Benchmark, *, progress: bool = True) -> dict:
    if progress:
        benchmark.progress = selectors.benchmark_progress(benchmark)
    return BenchmarkSerializer(benchmark).data


def _bad(exc: services.BenchmarkError) -> ValidationError:
    return _invalid(exc.message, exc.errors)


# --------------------------------------------------------------------------- agents


class AgentListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="agents_list",
        summary="My LLM agents",
        responses={200: AgentSerializer(many=True)},
        tags=[BENCHMARKS],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.agents_for_user(request.user), request, view=self)
        return paginator.get_paginated_response(AgentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="agents_create",
        summary="Create an LLM agent subject",
        description=(
            "The API key is never sent or stored: name an environment variable of the server that holds "
            "it (api_key_env, starting with AGENT_API_KEY_). Without base_url the server's own LLM is used."
        ),
        request=AgentCreateSerializer,
        responses={201: AgentSerializer, 400: _error("Invalid fields.")},
        tags=[BENCHMARKS],
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.data, dict) and "api_key" in request.data:
            raise _invalid(
                "Never send an API key.",
                {
                    "api_key": "Put the key in an environment variable of the server and send its name as api_key_env."
                },
            )
        serializer = AgentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        name = data.pop("display_name")
        metadata = {key: value for key, value in data.items() if value is not None}
        try:
            agent = services.agent_create(owner=request.user, display_name=name, metadata=metadata)
        except services.BenchmarkError as exc:
            raise _bad(exc) from None
        return Response(AgentSerializer(agent).data, status=status.HTTP_201_CREATED)


class AgentDetailApi(APIView):
    @extend_schema(
        operation_id="agents_detail",
        summary="One of my agents, with its batches",
        responses={
            200: inline_serializer(
                "AgentDetail", {"agent": AgentSerializer(), "batches": BatchSerializer(many=True)}
            ),
            404: NOT_FOUND,
        },
        tags=[BENCHMARKS],
    )
    def get(self, request: Request, agent_id: UUID) -> Response:
        agent = _agent_for_user(request.user, agent_id)
        batches = selectors.batches_for_subject(agent)
        return Response(
            {"agent": AgentSerializer(agent).data, "batches": BatchSerializer(batches, many=True).data}
        )


# --------------------------------------------------------------------------- benchmarks


class BenchmarkListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="benchmarks_list",
        summary="My benchmarks",
        responses={200: BenchmarkSerializer(many=True)},
        tags=[BENCHMARKS],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.benchmarks_for_user(request.user), request, view=self)
        return paginator.get_paginated_response([_benchmark(b, progress=False) for b in page])

    @extend_schema(
        operation_id="benchmarks_create",
        summary="Start a benchmark: an agent takes a published questionnaire version N times",
        request=BenchmarkCreateSerializer,
        responses={
            201: BenchmarkSerializer,
            400: _error("Invalid fields, a draft version, or a cap exceeded."),
        },
        tags=[BENCHMARKS],
    )
    def post(self, request: Request) -> Response:
        serializer = BenchmarkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agent = selectors.agents_for_user(request.user).filter(pk=data["agent"]).first()
        if agent is None:
            raise ValidationError({"agent": ["You have no agent with this id."]})
        version = _published_version(data["questionnaire"], data.get("version"))
        try:
            benchmark = services.benchmark_start(
                owner=request.user,
                agent=agent,
                version=version,
                runs=data["runs"],
                concurrency=data["concurrency"],
                seed=data.get("seed"),
                max_retries=data.get("max_retries"),
                items_per_prompt=data["items_per_prompt"],
            )
        except services.BenchmarkError as exc:
            raise _bad(exc) from None
        return Response(_benchmark(benchmark), status=status.HTTP_201_CREATED)


class BenchmarkDetailApi(APIView):
    @extend_schema(
        operation_id="benchmarks_detail",
        summary="A benchmark and its progress",
        description="Progress: runs done / N, items answered, invalid so far, tokens, elapsed and ETA.",
        responses={200: BenchmarkSerializer, 404: NOT_FOUND},
        tags=[BENCHMARKS],
    )
    def get(self, request: Request, benchmark_id: UUID) -> Response:
        return Response(_benchmark(_benchmark_for_user(request.user, benchmark_id)))


class BenchmarkCancelApi(APIView):
    @extend_schema(
        operation_id="benchmarks_cancel",
        summary="Cancel a benchmark",
        request=None,
        responses={200: BenchmarkSerializer, 400: _error("Already finished."), 404: NOT_FOUND},
        tags=[BENCHMARKS],
    )
    def post(self, request: Request, benchmark_id: UUID) -> Response:
        benchmark = _benchmark_for_user(request.user, benchmark_id)
        try:
            benchmark = services.benchmark_cancel(benchmark=benchmark)
        except services.BenchmarkError as exc:
            raise _bad(exc) from None
        return Response(_benchmark(selectors.benchmark_for_user(request.user, benchmark.pk)))


# --------------------------------------------------------------------------- cohorts


class CohortListCreateApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="cohorts_list",
        summary="My cohorts",
        responses={200: CohortSerializer(many=True)},
        tags=[BENCHMARKS],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.cohorts_for_user(request.user), request, view=self)
        return paginator.get_paginated_response(CohortSerializer(page, many=True).data)

    @extend_schema(
        operation_id="cohorts_create",
        summary="Create a cohort of humans (by survey, by tag, or all who took a version)",
        request=CohortCreateSerializer,
        responses={201: CohortSerializer, 400: _error("Invalid fields.")},
        tags=[BENCHMARKS],
    )
    def post(self, request: Request) -> Response:
        serializer = CohortCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = _published_version(data["questionnaire"], data.get("version"))
        try:
            cohort = cohorts.cohort_create(
                owner=request.user,
                display_name=data["display_name"],
                version=version,
                source=data["source"],
                tag=data.get("tag", ""),
                survey_id=data.get("survey"),
            )
            services.batch_refresh(subject_id=cohort.pk, version_id=version.pk)
        except services.BenchmarkError as exc:
            raise _bad(exc) from None
        return Response(CohortSerializer(cohort).data, status=status.HTTP_201_CREATED)


class CohortDetailApi(APIView):
    @extend_schema(
        operation_id="cohorts_detail",
        summary="A cohort's statistics, and where a subject of mine stands in it",
        description=(
            "`?subject=<id>` (your own profile or one of your agents) adds, per dimension, the share of the "
            "cohort that subject scores higher than. Statistics are refreshed on every request; a cohort "
            "of fewer than 3 people shows none."
        ),
        responses={
            200: inline_serializer(
                "CohortDetail",
                {
                    "cohort": CohortSerializer(),
                    "batch": BatchSerializer(),
                    "placement": serializers.JSONField(allow_null=True),
                },
            ),
            404: NOT_FOUND,
        },
        tags=[BENCHMARKS],
    )
    def get(self, request: Request, cohort_id: UUID) -> Response:
        cohort = _cohort_for_user(request.user, cohort_id)
        version_id = (cohort.metadata or {}).get("questionnaire_version_id")
        batch = services.batch_refresh(subject_id=cohort.pk, version_id=version_id)
        placement = None
        raw_subject = request.query_params.get("subject")
        if raw_subject is not None:
            try:
                subject_id = UUID(raw_subject)
            except ValueError:
                raise ValidationError({"subject": ["Give the id of one of your subjects."]}) from None
            placement = _placement(request.user, subject_id, batch)
        return Response(
            {
                "cohort": CohortSerializer(cohort).data,
                "batch": BatchSerializer(batch).data,
                "placement": placement,
            }
        )


def _placement(user, subject_id: UUID, batch: AssessmentBatch) -> dict:
    from assessments import selectors as assessment_selectors

    subject = assessment_selectors.subjects_for_user(user).filter(pk=subject_id).first()
    if subject is None:
        raise NotFound("There is no such subject.")
    means = selectors.subject_means(subject, batch.questionnaire_version)
    return {
        slug: {"mean": mean, "higher_than_percent": stats.percentile_rank(batch.stats[slug]["values"], mean)}
        for slug, mean in means.items()
        if slug in batch.stats and batch.stats[slug].get("values")
    }


# --------------------------------------------------------------------------- persona fidelity


class FidelityApi(APIView):
    @extend_schema(
        operation_id="fidelity_detail",
        summary="How close a person's personas come to them",
        description=(
            "For a person you own (or yourself): every persona version you benchmarked on the chosen "
            "questionnaire version (default: the latest the person took), with the mean absolute "
            "difference and Pearson's r against the person's own scores and against what others said "
            "(surveys' aggregates, only from their min-n); and per dimension the person, the others "
            "and one persona (`persona_agent`, default the newest benchmarked). Scores are on 0–1."
        ),
        parameters=[FidelityQuerySerializer],
        responses={
            200: FidelitySerializer,
            400: _error("A bad parameter, or a version the person did not take."),
            404: NOT_FOUND,
        },
        tags=[BENCHMARKS],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = _human_for_user(request.user, subject_id)
        query = FidelityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        versions = fidelity.versions_taken(subject)
        version = _version_taken(versions, wanted.get("questionnaire"), wanted.get("version"))
        result = None
        if version is not None:
            result = fidelity.fidelity(
                owner=request.user,
                subject=subject,
                version=version,
                persona_agent_id=wanted.get("persona_agent"),
            )
        data = {
            "version": version,
            "versions": versions,
            "own_session": result.own_session.pk if result and result.own_session else None,
            "others_shown": bool(result and result.others_shown),
            "others_n": result.others_n if result else 0,
            "personas": result.personas if result else [],
            "chosen_agent": result.chosen.agent.pk if result and result.chosen else None,
            "dimensions": result.dimensions if result else [],
        }
        return Response(FidelitySerializer(data).data)


class FidelityRunApi(APIView):
    @extend_schema(
        operation_id="fidelity_run",
        summary="Benchmark one of a person's personas on the questionnaire they took",
        description=(
            "The persona answers as an agent whose system prompt is its persona prompt, `runs` times; "
            "its fidelity appears in `GET …/fidelity/` once the runs are scored. Follow the returned "
            "benchmark at `/api/v1/benchmarks/{id}/`."
        ),
        request=FidelityStartSerializer,
        responses={
            201: BenchmarkSerializer,
            400: _error(
                "Invalid fields, a persona not ready, a version the person did not take, or a cap exceeded."
            ),
            404: NOT_FOUND,
        },
        tags=[BENCHMARKS],
    )
    def post(self, request: Request, subject_id: UUID) -> Response:
        subject = _human_for_user(request.user, subject_id)
        serializer = FidelityStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        persona = persona_selectors.personas_for_subject(subject).filter(pk=data["persona"]).first()
        if persona is None or not persona_selectors.can_see_prompt(request.user, persona):
            raise ValidationError({"persona": ["This person has no persona with this id that you may run."]})
        version = _version_taken(
            fidelity.versions_taken(subject), data.get("questionnaire"), data.get("version")
        )
        if version is None:
            raise _invalid(
                "The person has no scored questionnaire for the persona to take.",
                {"version": "Take a questionnaire about yourself first, and let it be scored."},
            )
        try:
            benchmark = services.fidelity_start(
                owner=request.user,
                persona=persona,
                version=version,
                runs=data["runs"],
                concurrency=data["concurrency"],
                seed=data.get("seed"),
            )
        except services.BenchmarkError as exc:
            raise _bad(exc) from None
        return Response(_benchmark(benchmark), status=status.HTTP_201_CREATED)


urlpatterns = [
    path("subjects/<uuid:subject_id>/fidelity/", FidelityApi.as_view(), name="subject-fidelity"),
    path("subjects/<uuid:subject_id>/fidelity/runs/", FidelityRunApi.as_view(), name="subject-fidelity-run"),
    path("agents/", AgentListCreateApi.as_view(), name="agent-list"),
    path("agents/<uuid:agent_id>/", AgentDetailApi.as_view(), name="agent-detail"),
    path("benchmarks/", BenchmarkListCreateApi.as_view(), name="benchmark-list"),
    path("benchmarks/<uuid:benchmark_id>/", BenchmarkDetailApi.as_view(), name="benchmark-detail"),
    path("benchmarks/<uuid:benchmark_id>/cancel/", BenchmarkCancelApi.as_view(), name="benchmark-cancel"),
    path("cohorts/", CohortListCreateApi.as_view(), name="cohort-list"),
    path("cohorts/<uuid:cohort_id>/", CohortDetailApi.as_view(), name="cohort-detail"),
]
