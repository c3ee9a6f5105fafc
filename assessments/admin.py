"""Admin for assessments: subjects, surveys, sessions (answers read-only), scoring runs and scores.

Answers and scores are records of what happened, so they are read-only here. Scoring actions
go through the services (a new run each time; earlier runs stay for audit).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from assessments import services
from assessments.models import (
    AnalysisRun,
    AssessmentSession,
    Response,
    SubjectProfile,
    Survey,
    TraitScore,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(SubjectProfile)
class SubjectProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "subject_type", "user", "owner", "locale", "created_at"]
    list_filter = ["subject_type"]
    list_select_related = ["user", "owner"]
    search_fields = ["display_name", "user__username", "user__email", "owner__username"]
    raw_id_fields = ["user", "owner"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "owner",
        "subject",
        "questionnaire_version",
        "is_active",
        "responses",
        "created_at",
    ]
    list_filter = ["is_active", "invitation_only"]
    list_select_related = ["owner", "subject", "questionnaire_version__questionnaire"]
    search_fields = ["title", "owner__username", "subject__display_name"]
    raw_id_fields = ["owner", "subject"]
    readonly_fields = ["id", "share_token", "created_at", "updated_at"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        answered = [AssessmentSession.Status.SUBMITTED, AssessmentSession.Status.SCORED]
        return (
            super()
            .get_queryset(request)
            .annotate(response_count=Count("sessions", filter=Q(sessions__status__in=answered)))
        )

    @admin.display(description="responses", ordering="response_count")
    def responses(self, obj: Survey) -> int:
        return obj.response_count


class ResponseInline(ReadOnlyInline):
    model = Response
    fields = [
        "item",
        "value_boolean",
        "value_number",
        "value_text",
        "selected_option",
        "chosen",
        "answered_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Response]:
        return (
            super()
            .get_queryset(request)
            .select_related("item", "selected_option")
            .prefetch_related("selected_options")
            .order_by("item__sort_order")
        )

    @admin.display(description="selected options")
    def chosen(self, obj: Response) -> str:
        return ", ".join(option.key for option in obj.selected_options.all())


class AnalysisRunInline(ReadOnlyInline):
    model = AnalysisRun
    fields = ["id", "status", "score_version", "attempts", "created_at", "finished_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(AssessmentSession)
class AssessmentSessionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subject",
        "questionnaire_version",
        "respondent_kind",
        "status",
        "locale",
        "started_at",
    ]
    list_filter = ["status", "respondent_kind", "questionnaire_version"]
    list_select_related = ["subject", "questionnaire_version__questionnaire"]
    search_fields = ["=id", "subject__display_name"]
    date_hierarchy = "started_at"
    raw_id_fields = ["subject", "survey", "respondent_user"]
    readonly_fields = [
        "id",
        "responder_id",
        "responder_fingerprint",
        "likely_duplicate",
        "invitation",
        "started_at",
        "updated_at",
        "submitted_at",
        "scored_at",
    ]
    inlines = [ResponseInline, AnalysisRunInline]


class TraitScoreInline(ReadOnlyInline):
    model = TraitScore
    fields = ["dimension", "raw_score", "normalized_score", "item_mean", "band_label", "item_count"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[TraitScore]:
        return super().get_queryset(request).select_related("dimension")


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ["id", "session", "status", "score_version", "attempts", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["session__subject", "session__questionnaire_version__questionnaire"]
    search_fields = ["=id", "=session__id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "session",
        "status",
        "score_version",
        "attempts",
        "error",
        "result",
        "created_at",
        "started_at",
        "finished_at",
    ]
    inlines = [TraitScoreInline]
    actions = ["rescore", "retry_failed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Re-score (a new run with the current rules)", permissions=["change"])
    def rescore(self, request: HttpRequest, queryset: QuerySet[AnalysisRun]) -> None:
        sessions = {run.session_id: run.session for run in queryset.select_related("session")}
        done, refused = 0, []
        for session in sessions.values():
            try:
                services.run_rescore(session=session)
                done += 1
            except services.AssessmentError as exc:
                refused.append(f"{session.pk}: {exc.message}")
        if done:
            self.message_user(request, f"{done} session(s) queued for scoring.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description="Retry failed run", permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[AnalysisRun]) -> None:
        failed = list(queryset.filter(status=AnalysisRun.Status.FAILED).select_related("session"))
        retried: set = set()
        for run in failed:
            if run.session_id not in retried:  # one new run per session, however many failed
                services.run_retry(run=run)
                retried.add(run.session_id)
        skipped = queryset.count() - len(failed)
        if failed:
            self.message_user(request, f"{len(failed)} failed run(s) retried.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} run(s) left alone: only failed runs are retried.", messages.WARNING
            )


@admin.register(TraitScore)
class TraitScoreAdmin(admin.ModelAdmin):
    list_display = ["run", "dimension", "raw_score", "normalized_score", "band_label", "item_count"]
    list_filter = ["dimension__analysis_model"]
    list_select_related = ["run", "dimension"]
    search_fields = ["=run__id", "dimension__slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --------------------------------------------------------------------------- LLM benchmarks

from django import forms  # noqa: E402

from assessments.benchmarks import services as benchmark_services  # noqa: E402
from assessments.models import AssessmentBatch, Benchmark, BenchmarkExchange, BenchmarkRun  # noqa: E402


class SubjectProfileAdminForm(forms.ModelForm):
    """An agent's metadata is validated like the API's (base URL only, a key's variable name, never a key)."""

    class Meta:
        model = SubjectProfile
        fields = "__all__"  # noqa: DJ007 - the admin shows every field of a subject

    def clean(self):
        data = super().clean()
        if data.get("subject_type") == SubjectProfile.SubjectType.AGENT:
            metadata = data.get("metadata")
            if not isinstance(metadata, dict):
                self.add_error("metadata", "Give the agent's settings as a JSON object.")
                return data
            try:
                data["metadata"] = benchmark_services.agent_metadata_clean(metadata)
            except benchmark_services.BenchmarkError as exc:
                self.add_error(
                    "metadata", "; ".join(f"{key}: {message}" for key, message in exc.errors.items())
                )
        return data


admin.site.unregister(SubjectProfile)


@admin.register(SubjectProfile)
class SubjectProfileWithAgentsAdmin(SubjectProfileAdmin):
    form = SubjectProfileAdminForm


class BenchmarkRunInline(ReadOnlyInline):
    model = BenchmarkRun
    fields = ["index", "status", "seed", "session", "error", "started_at", "finished_at"]
    readonly_fields = fields


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "owner",
        "agent",
        "questionnaire_version",
        "runs_requested",
        "status",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["owner", "agent", "questionnaire_version__questionnaire"]
    readonly_fields = [field.name for field in Benchmark._meta.fields]
    inlines = [BenchmarkRunInline]
    actions = ["cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started through the API, which validates and queues the runs

    @admin.action(description="Cancel the selected benchmarks")
    def cancel(self, request: HttpRequest, queryset) -> None:
        for benchmark in queryset:
            if not benchmark.is_finished:
                benchmark_services.benchmark_cancel(benchmark=benchmark)


@admin.register(BenchmarkExchange)
class BenchmarkExchangeAdmin(admin.ModelAdmin):
    list_display = [
        "run",
        "item_key",
        "attempt",
        "valid",
        "error",
        "prompt_tokens",
        "completion_tokens",
        "created_at",
    ]
    list_filter = ["valid"]
    readonly_fields = [field.name for field in BenchmarkExchange._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AssessmentBatch)
class AssessmentBatchAdmin(admin.ModelAdmin):
    list_display = ["subject", "questionnaire_version", "session_count", "refreshed_at"]
    list_select_related = ["subject", "questionnaire_version__questionnaire"]
    readonly_fields = [field.name for field in AssessmentBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
