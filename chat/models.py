"""Chat with a persona: conversations and their messages.

The message table follows seed 003 (``messages`` of "AI Chat v2"): role with a check constraint,
content, and the "AI core" metadata columns with their checks — persona (text), tone, behavior,
context_type, confidence (legacy, 0–1), signal_strength (0–1), context_clarity (0/1),
needs_knowledge (0/1, default 0), model_name, prompt/completion tokens, is_mistake + note.
Deleting a conversation deletes its messages (seed: ``cascade="all, delete-orphan"``); deleting
a user deletes their conversations. A persona that is deleted leaves the conversation in place
(``persona`` becomes NULL) so the history is kept.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from personai import fulltext


def _canary() -> str:
    return secrets.token_hex(8)


class WithoutSearchColumnsManager(models.Manager):
    """Leaves the search columns (a 384-float vector and a tsvector per row) out of every query
    unless asked for (``.defer(None)`` or ``.only(...)``): chat pages read many rows and never
    need them. A deferred field also stays out of a plain ``save()``, so an instance loaded
    before its embedding arrived cannot overwrite it."""

    def get_queryset(self):
        return super().get_queryset().defer("embedding", "search_vector")


class Conversation(models.Model):
    class Kind(models.TextChoices):
        PERSONA = "persona", "Chat with a persona"
        TEAM = "team", "Team conversation"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    # A team conversation is answered by role agents (product manager, UX researcher, ...) that
    # keep the chosen personas in mind; its shared state (goals, open questions, decisions) lives
    # in ``context["team"]``.
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSONA)
    team_personas = models.ManyToManyField("personas.Persona", blank=True, related_name="team_conversations")
    title = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # A secret placed in the system prompt; a reply that contains it leaked the prompt.
    canary = models.CharField(max_length=32, default=_canary, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # --- search (chat.search): the language picks the text-search configuration ---
    language = fulltext.language_field()
    search_vector = fulltext.search_vector_field(("title", "A"))

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner"], name="idx_conversations_owner"),
            models.Index(fields=["owner", "-updated_at"], name="idx_conversations_owner_upd"),
            GinIndex(fields=["search_vector"], name="idx_conversations_fts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=["en", "de"]), name="conversation_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="conversation_ended_after_start",
            ),
            models.CheckConstraint(condition=Q(kind__in=["persona", "team"]), name="conversation_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"
        SYSTEM = "system", "System"

    class Feedback(models.TextChoices):
        NONE = "none", "None"
        UP = "up", "Thumbs up"
        DOWN = "down", "Thumbs down"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField()
    # --- AI core metadata (seed 003) ---
    persona = models.TextField(null=True, blank=True, help_text="Name of the persona that answered.")
    tone = models.TextField(null=True, blank=True, help_text="casual | technical")
    behavior = models.TextField(null=True, blank=True, help_text="normal | cautious")
    context_type = models.TextField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True, help_text="Legacy; same as signal_strength.")
    signal_strength = models.FloatField(null=True, blank=True)
    context_clarity = models.SmallIntegerField(null=True, blank=True)
    needs_knowledge = models.SmallIntegerField(default=0)
    model_name = models.TextField(null=True, blank=True)
    prompt_tokens = models.IntegerField(null=True, blank=True)
    completion_tokens = models.IntegerField(null=True, blank=True)
    is_mistake = models.BooleanField(default=False)
    mistake_note = models.TextField(null=True, blank=True)
    # --- ours ---
    is_incomplete = models.BooleanField(default=False)
    feedback = models.CharField(max_length=4, choices=Feedback.choices, default=Feedback.NONE)
    flags = models.JSONField(default=dict, blank=True)  # e.g. {"canary_leak": true, "error": "..."}
    created_at = models.DateTimeField(default=timezone.now)
    # --- search (chat.search). The embedding is filled after commit through the outbox (user and
    # assistant messages only), with its model's name: vectors of different models never meet.
    language = fulltext.language_field()
    search_vector = fulltext.search_vector_field(("content", "A"))
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)

    objects = WithoutSearchColumnsManager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="idx_messages_conv_created"),
            models.Index(fields=["is_mistake"], condition=Q(is_mistake=True), name="idx_messages_mistakes"),
            GinIndex(fields=["search_vector"], name="idx_messages_fts"),
            HnswIndex(
                name="idx_messages_embedding",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(language__in=["en", "de"]), name="message_language_valid"),
            models.CheckConstraint(
                condition=Q(role__in=["user", "assistant", "system"]), name="message_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="message_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(signal_strength__isnull=True) | Q(signal_strength__gte=0, signal_strength__lte=1),
                name="message_signal_strength_range",
            ),
            models.CheckConstraint(
                condition=Q(context_clarity__isnull=True) | Q(context_clarity__in=[0, 1]),
                name="message_context_clarity_bool",
            ),
            models.CheckConstraint(
                condition=Q(needs_knowledge__in=[0, 1]), name="message_needs_knowledge_bool"
            ),
            models.CheckConstraint(
                condition=Q(feedback__in=["none", "up", "down"]), name="message_feedback_valid"
            ),
            models.CheckConstraint(
                condition=Q(prompt_tokens__isnull=True) | Q(prompt_tokens__gte=0),
                name="message_prompt_tokens_pos",
            ),
            models.CheckConstraint(
                condition=Q(completion_tokens__isnull=True) | Q(completion_tokens__gte=0),
                name="message_completion_tokens_pos",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:40]}"


class Artifact(models.Model):
    """A product artifact generated from a (team) conversation: PRD, ERD, persona brief, summary.

    Seed 001's ``artifacts`` table. Every regeneration is a new row with ``version`` N+1, so
    earlier versions stay downloadable and can be diffed. ``generated_data`` holds the text as
    downloaded (Markdown, Mermaid or JSON text); ``structured_data`` keeps the deterministic
    skeleton the text was built from and ``problems`` what validation found (e.g. ERD errors).
    A row is created as ``pending`` when generation is requested, so the page can show progress.
    """

    class ArtifactType(models.TextChoices):
        PRD = "prd", "PRD"
        ERD = "erd", "ERD"
        PERSONA_BRIEF = "persona_brief", "Persona brief"
        INTERVIEW_SUMMARY = "interview_summary", "Interview summary"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Generating"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="artifacts")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="artifacts"
    )
    artifact_type = models.CharField(max_length=50, choices=ArtifactType.choices)
    version = models.PositiveIntegerField(default=1)
    filename = models.CharField(max_length=255, blank=True)
    generated_data = models.TextField(blank=True)
    structured_data = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100 while generating.")
    progress_note = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # --- search (chat.search); the embedding is computed through the outbox once it is ready ---
    language = fulltext.language_field()
    search_vector = fulltext.search_vector_field(("filename", "A"), ("generated_data", "B"))
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)

    objects = WithoutSearchColumnsManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner"], name="idx_artifacts_owner"),
            models.Index(fields=["conversation"], name="idx_artifacts_conversation"),
            models.Index(fields=["artifact_type"], name="idx_artifacts_type"),
            GinIndex(fields=["search_vector"], name="idx_artifacts_fts"),
            HnswIndex(
                name="idx_artifacts_embedding",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(language__in=["en", "de"]), name="artifact_language_valid"),
            models.UniqueConstraint(
                fields=["conversation", "artifact_type", "version"], name="artifact_conv_type_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(artifact_type__in=["prd", "erd", "persona_brief", "interview_summary"]),
                name="artifact_type_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="artifact_version_positive"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="artifact_progress_range"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "ready", "failed"]),
                name="artifact_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.filename or f"{self.get_artifact_type_display()} v{self.version}"


class SearchQuery(models.Model):
    """One search someone ran, with what it returned (seed 001's ``search_queries``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="search_queries"
    )
    query_text = models.TextField()
    search_time = models.DateTimeField(default=timezone.now)
    results = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-search_time", "-id"]
        indexes = [
            models.Index(fields=["owner"], name="idx_search_queries_owner"),
            models.Index(fields=["search_time"], name="idx_search_queries_time"),
        ]

    def __str__(self) -> str:
        return self.query_text[:60]
