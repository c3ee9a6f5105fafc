"""Admin for infrastructure: the outbox, read-only except for retrying failed tasks."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from personai.outbox import OutboxTask, retry_failed


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ["task_type", "status", "attempts", "run_after", "updated_at", "short_error"]
    list_filter = ["status", "task_type"]
    search_fields = ["=id", "task_type", "dedupe_key", "last_error"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    list_per_page = 100
    readonly_fields = [
        "id",
        "task_type",
        "payload",
        "status",
        "attempts",
        "last_error",
        "run_after",
        "completed_at",
        "dedupe_key",
        "created_at",
        "updated_at",
        "heartbeat_at",
    ]
    actions = ["retry_selected"]

    @admin.display(description="last error")
    def short_error(self, obj: OutboxTask) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxTask | None = None) -> bool:
        # Rows are read-only; the changelist-level permission still gates the retry action.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: OutboxTask | None = None) -> bool:
        return False

    @admin.action(description="Retry selected failed tasks", permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[OutboxTask]) -> None:
        failed_ids = list(queryset.filter(status=OutboxTask.Status.FAILED).values_list("id", flat=True))
        retried = retry_failed(failed_ids)
        skipped = queryset.count() - retried
        self.message_user(request, f"{retried} task(s) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} task(s) left alone: not failed, or a newer task with the same key is active.",
                messages.WARNING,
            )
