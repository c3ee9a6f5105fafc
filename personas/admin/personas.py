"""Admin: personas (read-mostly: they are generated) and the narratives that shaped them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from personas.models import Persona, PersonaNarrativeUsage
from personas.services import personas as persona_services


class NarrativeUsageInline(admin.TabularInline):
    model = PersonaNarrativeUsage
    extra = 0
    can_delete = False
    fields = ["narrative", "usage_type", "relevance_score", "usage_context", "created_at"]
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "subject",
        "status",
        "expired",
        "mapper_config_id",
        "mapper_version",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "mapper_config_id"]
    list_select_related = ["subject"]
    search_fields = ["name", "subject__display_name", "subject__user__username", "id"]
    date_hierarchy = "created_at"
    raw_id_fields = ["subject", "mapper", "created_by"]
    readonly_fields = [
        "id",
        "avatar",
        "subject",
        "mapper",
        "mapper_config_id",
        "mapper_version",
        "status",
        "name",
        "description",
        "persona_prompt",
        "core",
        "overlay",
        "metadata",
        "illustration_url",
        "error",
        "created_at",
        "updated_at",
        "expires_at",
        "created_by",
    ]
    exclude = ["illustration_svg"]
    inlines = [NarrativeUsageInline]
    actions = ["retry_failed"]

    @admin.display(boolean=True, description="Expired")
    def expired(self, persona: Persona) -> bool:
        return persona.is_expired

    @admin.display(description="Illustration")
    def avatar(self, persona: Persona) -> str:
        if not persona.illustration_svg:
            return "–"
        return format_html('<img src="{}" width="120" height="120" alt="">', persona.illustration_url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # personas are generated (subject page, API), not typed in

    @admin.action(description="Retry the selected failed personas")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Persona]) -> None:
        retried = 0
        for persona in queryset.filter(status=Persona.Status.FAILED):
            persona_services.persona_retry(persona=persona)
            retried += 1
        self.message_user(request, f"{retried} persona(s) queued again.", messages.SUCCESS)


@admin.register(PersonaNarrativeUsage)
class PersonaNarrativeUsageAdmin(admin.ModelAdmin):
    list_display = ["persona", "narrative", "usage_type", "relevance_score", "created_at"]
    list_filter = ["usage_type"]
    list_select_related = ["persona", "narrative"]
    raw_id_fields = ["persona", "narrative"]
    readonly_fields = ["id", "created_at"]
