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
from django.db import models
from django.db.models import Q
from django.utils import timezone


def _canary() -> str:
    return secrets.token_hex(8)


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    title = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    # A secret placed in the system prompt; a reply that contains it leaked the prompt.
    canary = models.CharField(max_length=32, default=_canary, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner"], name="idx_conversations_owner"),
            models.Index(fields=["owner", "-updated_at"], name="idx_conversations_owner_upd"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="conversation_ended_after_start",
            ),
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

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="idx_messages_conv_created"),
            models.Index(fields=["is_mistake"], condition=Q(is_mistake=True), name="idx_messages_mistakes"),
        ]
        constraints = [
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
