"""Personas: what we know about a subject, and the AI persona built from it (seeds 000 and 004).

PersonaKit's ``person_id`` is a :class:`assessments.models.SubjectProfile` here. The data flows
one way: ``Observation``s, scores and survey aggregates are folded into the subject's
``Mindscape`` (a dot-path tree of traits, each path with its source); ``Narrative``s are what
people write about the subject (embedded for semantic search); the active ``MapperConfig``'s
rules fire over the mindscape; a ``Persona`` (core, overlay, prompt, illustration) is generated
from all of that. ``PersonaNarrativeUsage`` and ``Feedback`` close the loop.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from assessments.models import SubjectProfile
from personai import fulltext


class Observation(models.Model):
    """A typed JSON event about a subject; ``content`` is validated by its type's JSON Schema."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="observations")
    observation_type = models.CharField(max_length=50)
    content = models.JSONField()
    metadata = models.JSONField(default=dict, blank=True)
    # When it happened (defaults to when it was recorded; imports may set the past).
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-created_at"], name="idx_observations_subject_at"),
        ]

    def __str__(self) -> str:
        return f"{self.observation_type} about {self.subject_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Mindscape(models.Model):
    """One per subject: hierarchical traits addressed by dot paths; ``version`` locks optimistically.

    ``sources`` maps each leaf's dot path to where its value came from
    (``{"kind": "assessment" | "survey" | "observation" | "manual", ...}``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.OneToOneField(SubjectProfile, on_delete=models.CASCADE, related_name="mindscape")
    traits = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Mindscape of {self.subject_id} v{self.version}"


class Narrative(models.Model):
    """What someone wrote about the subject: a self-observation, or a curation of one trait."""

    class NarrativeType(models.TextChoices):
        SELF_OBSERVATION = "self_observation", "Self-observation"
        CURATION = "curation", "Curation"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="narratives")
    narrative_type = models.CharField(max_length=20, choices=NarrativeType.choices)
    raw_text = models.TextField()
    curated_text = models.TextField(blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    context = models.JSONField(default=dict, blank=True)
    trait_path = models.CharField(max_length=200, blank=True)
    curation_action = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Filled after commit through the outbox; NULL while pending. The model's name is kept
    # beside the vector because vectors of different models must never be compared.
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=200, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)
    # Full-text search (chat.search): the subject's locale picks the text-search configuration.
    language = fulltext.language_field()
    search_vector = fulltext.search_vector_field(("curated_text", "A"), ("raw_text", "B"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="idx_narratives_fts"),
            models.Index(fields=["subject"], name="idx_narratives_person"),
            models.Index(fields=["narrative_type"], name="idx_narratives_type"),
            GinIndex(fields=["tags"], name="idx_narratives_tags"),
            HnswIndex(
                name="idx_narratives_embedding",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(narrative_type__in=["self_observation", "curation"]),
                name="narrative_type_valid",
            ),
            models.CheckConstraint(condition=Q(language__in=["en", "de"]), name="narrative_language_valid"),
        ]

    def __str__(self) -> str:
        text = self.curated_text or self.raw_text
        return text[:60] + ("…" if len(text) > 60 else "")

    @property
    def text(self) -> str:
        """The text that counts: the curated version when there is one."""
        return self.curated_text or self.raw_text


class TraitNarrativeLink(models.Model):
    """A narrative's relation to one mindscape path; suggested links wait for the owner."""

    class LinkType(models.TextChoices):
        EXTRACTED_FROM = "extracted_from", "Extracted from"
        CURATES = "curates", "Curates"
        SUPPORTS = "supports", "Supports"
        CONTRADICTS = "contradicts", "Contradicts"

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    narrative = models.ForeignKey(Narrative, on_delete=models.CASCADE, related_name="links")
    trait_path = models.CharField(max_length=200)
    link_type = models.CharField(max_length=20, choices=LinkType.choices)
    confidence = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["narrative"], name="idx_trait_links_narrative"),
            models.Index(fields=["trait_path"], name="idx_trait_links_trait"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(link_type__in=["extracted_from", "curates", "supports", "contradicts"]),
                name="trait_link_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="trait_link_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["suggested", "accepted", "rejected"]), name="trait_link_status_valid"
            ),
            models.UniqueConstraint(
                fields=["narrative", "trait_path", "link_type"], name="trait_link_unique_per_narrative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.narrative_id} {self.link_type} {self.trait_path}"


class MapperConfig(models.Model):
    """A versioned rule set that turns a mindscape into persona guidance.

    Lifecycle draft → active → deprecated; at most one active version per ``config_id``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        DEPRECATED = "deprecated", "Deprecated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    config_id = models.CharField(max_length=255)
    version = models.PositiveIntegerField()
    configuration = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    persona_ttl_hours = models.PositiveIntegerField(
        default=24, help_text="How long a persona generated with this mapper stays current."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    usage_count = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["config_id", "-version"]
        verbose_name = "mapper config"
        indexes = [models.Index(fields=["status"], name="idx_mapper_configs_status")]
        constraints = [
            models.UniqueConstraint(fields=["config_id", "version"], name="mapper_config_version_unique"),
            models.UniqueConstraint(
                fields=["config_id"], condition=Q(status="active"), name="idx_mapper_configs_active"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "deprecated"]), name="mapper_config_status_valid"
            ),
            models.CheckConstraint(condition=Q(persona_ttl_hours__gte=1), name="mapper_config_ttl_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.config_id} v{self.version} ({self.status})"


class Persona(models.Model):
    """An AI persona of a subject. The subject's latest persona is its current one; older ones
    are its history (seed 000's "one persona per user" is the current one)."""

    class Status(models.TextChoices):
        GENERATING = "generating", "Generating"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(SubjectProfile, on_delete=models.CASCADE, related_name="personas")
    mapper = models.ForeignKey(
        MapperConfig, on_delete=models.SET_NULL, null=True, blank=True, related_name="personas"
    )
    mapper_config_id = models.CharField(max_length=255, blank=True)
    mapper_version = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.GENERATING)
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    persona_prompt = models.TextField(blank=True)
    core = models.JSONField(default=dict, blank=True)
    overlay = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    illustration_svg = models.TextField(blank=True)
    illustration_url = models.CharField(max_length=512, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject", "-created_at"], name="idx_personas_person"),
            models.Index(fields=["expires_at"], name="idx_personas_expires"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["generating", "ready", "failed"]), name="persona_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or 'Persona'} of {self.subject_id} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class PersonaNarrativeUsage(models.Model):
    """Which narratives shaped a persona, how, and how relevant they were."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="narrative_usages")
    narrative = models.ForeignKey(Narrative, on_delete=models.CASCADE, related_name="persona_usages")
    usage_type = models.CharField(max_length=50)
    relevance_score = models.FloatField(null=True, blank=True)
    usage_context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-relevance_score"]
        indexes = [models.Index(fields=["persona"], name="idx_persona_usage_persona")]

    def __str__(self) -> str:
        return f"{self.persona_id} used {self.narrative_id} ({self.usage_type})"


class Feedback(models.Model):
    """A rating of a persona (or of one rule's suggestion in it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    persona = models.ForeignKey(
        Persona, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    helpful = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True)
    rule_id = models.CharField(max_length=255, blank=True)
    mapper_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        indexes = [
            models.Index(fields=["persona"], name="idx_feedback_persona"),
            models.Index(fields=["-created_at"], name="idx_feedback_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.persona_id}: {self.rating}"
