"""Admin: observations and mindscapes, read-mostly.

Observations are records of what happened: shown read-only (deleting one is allowed). A
mindscape is edited through its API (optimistic locking); here it can be read and rebuilt.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from personas import observation_types, paths
from personas.models import Mindscape, Observation
from personas.services import mindscapes as mindscape_services


def _pretty(value) -> str:
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', json.dumps(value, indent=2))


class ObservationTypeFilter(admin.SimpleListFilter):
    """The registered types (and any older type still stored)."""

    title = "type"
    parameter_name = "observation_type"

    def lookups(self, request, model_admin):
        stored = set(Observation.objects.values_list("observation_type", flat=True).distinct())
        names = sorted(stored | set(observation_types.type_names()))
        return [(name, name.replace("_", " ").capitalize()) for name in names]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(observation_type=self.value())
        return queryset


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["observation_type", "subject", "created_at", "created_by"]
    list_filter = [ObservationTypeFilter, "created_at"]
    list_select_related = ["subject", "created_by"]
    search_fields = [
        "subject__display_name",
        "subject__user__email",
        "subject__user__username",
        "=subject__id",
    ]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "subject",
        "observation_type",
        "content_json",
        "metadata_json",
        "created_at",
        "created_by",
    ]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="content")
    def content_json(self, obj: Observation) -> str:
        return _pretty(obj.content)

    @admin.display(description="metadata")
    def metadata_json(self, obj: Observation) -> str:
        return _pretty(obj.metadata)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded through the API, validated by the type's schema

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Mindscape)
class MindscapeAdmin(admin.ModelAdmin):
    list_display = ["subject", "version", "leaves", "updated_at"]
    list_select_related = ["subject"]
    search_fields = [
        "subject__display_name",
        "subject__user__email",
        "subject__user__username",
        "=subject__id",
    ]
    list_filter = ["subject__subject_type"]
    fields = ["id", "subject", "version", "updated_at", "traits_json", "sources_json"]
    readonly_fields = fields
    actions = ["rebuild"]

    @admin.display(description="values")
    def leaves(self, obj: Mindscape) -> int:
        return sum(1 for _ in paths.iter_leaves(obj.traits or {}))

    @admin.display(description="traits")
    def traits_json(self, obj: Mindscape) -> str:
        return _pretty(obj.traits)

    @admin.display(description="sources")
    def sources_json(self, obj: Mindscape) -> str:
        return _pretty(obj.sources)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by rebuilds and API edits

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Rebuild the selected mindscapes", permissions=["view"])
    def rebuild(self, request: HttpRequest, queryset: QuerySet[Mindscape]) -> None:
        subject_ids = list(queryset.values_list("subject_id", flat=True))
        with transaction.atomic():
            for subject_id in subject_ids:
                mindscape_services.mindscape_rebuild_enqueue(subject_id=subject_id)
        self.message_user(request, f"Queued {len(subject_ids)} rebuild(s).", messages.SUCCESS)
