from django.contrib import admin

from chat.models import Artifact, Conversation, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = (
        "created_at",
        "role",
        "content",
        "context_type",
        "behavior",
        "is_incomplete",
        "is_mistake",
        "feedback",
    )
    readonly_fields = fields
    show_change_link = True
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "kind", "persona", "started_at", "ended_at", "updated_at")
    list_filter = ("kind", "ended_at")
    search_fields = ("title", "owner__username", "owner__email")
    raw_id_fields = ("owner", "persona")
    readonly_fields = ("canary", "created_at", "updated_at")
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "conversation",
        "role",
        "context_type",
        "behavior",
        "is_mistake",
        "feedback",
    )
    list_filter = ("role", "is_mistake", "is_incomplete", "feedback", "context_type", "behavior", "tone")
    search_fields = ("content", "mistake_note")
    raw_id_fields = ("conversation",)
    date_hierarchy = "created_at"


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ("filename", "artifact_type", "version", "status", "owner", "conversation", "created_at")
    list_filter = ("artifact_type", "status")
    search_fields = ("filename", "owner__username", "owner__email")
    raw_id_fields = ("owner", "conversation")
    readonly_fields = ("created_at", "updated_at", "model_name", "prompt_tokens", "completion_tokens")
