"""Writes: personas (request, generate, retry) and feedback on them.

Lifecycle: ``persona_request`` writes a persona in status ``generating`` and, in the same
transaction, the outbox task ``personas.generate_persona``; the worker calls
``persona_generate``, which composes the facts deterministically (personas.composer), asks the
LLM for the prose only (falling back to a template when the reply is unusable), draws the
avatar (personas.illustration) and moves the persona to ``ready`` — or to ``failed`` with a
readable reason (no scores, no active mapper, the LLM unreachable, anything unexpected).
``persona_retry`` puts a failed persona back to ``generating`` and enqueues it again.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.models import SubjectProfile
from personai import llm
from personai.outbox import enqueue
from personas import composer, rules
from personas.illustration import avatar_svg
from personas.models import MapperConfig, Mindscape, Narrative, Persona, PersonaNarrativeUsage
from personas.selectors import mappers as mapper_selectors
from personas.selectors import mindscapes as mindscape_selectors
from personas.selectors import narratives as narrative_selectors
from personas.selectors import observations as observation_selectors
from personas.selectors import personas as persona_selectors

log = logging.getLogger(__name__)

TASK_TYPE = "personas.generate_persona"
DEFAULT_TTL_HOURS = 24
NARRATIVES_K = 5
OVERLAY_DAYS = 7
# The prose is short: a few sentences and one line. Low temperature keeps it on the facts.
PROSE_MAX_TOKENS = 160
PROSE_TEMPERATURE = 0.2
MAX_DESCRIPTION_CHARS = 900
MAX_VOICE_SAMPLE_CHARS = 300
MAX_COMMENT_CHARS = 2000
MAX_CONTEXT_CHARS = 5000
NO_SCORES = "There are no questionnaire results for this subject yet: take a questionnaire first."


class PersonaError(Exception):
    """A request that cannot be carried out; ``message`` is for people."""

    def __init__(self, message: str, *, errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NoScores(PersonaError):
    pass


class NotRetryable(PersonaError):
    pass


class InvalidFeedback(PersonaError):
    pass


class GenerationFailed(Exception):
    """Generation cannot go on; the persona is marked failed with this message."""


# --------------------------------------------------------------------------- request and retry


def _enqueue(persona: Persona) -> None:
    enqueue(TASK_TYPE, {"persona_id": str(persona.pk)}, dedupe_key=f"persona:{persona.pk}")


def illustration_url(persona: Persona) -> str:
    return reverse("personas:illustration", args=[persona.pk])


@transaction.atomic
def persona_request(*, subject: SubjectProfile, requested_by, mapper: MapperConfig | None = None) -> Persona:
    """Start generating a persona of ``subject`` (or return the one already generating).

    Raises NoScores when the subject has no scored results at all.
    """
    # One request at a time per subject: a second click waits here, then finds the first.
    SubjectProfile.objects.select_for_update().filter(pk=subject.pk).first()
    running = persona_selectors.persona_generating(subject)
    if running is not None:
        return running
    mindscape = mindscape_selectors.mindscape_for_subject(subject)
    if not (mindscape and composer.has_scores(mindscape.traits)) and not persona_selectors.subject_has_scores(
        subject
    ):
        raise NoScores(NO_SCORES)
    mapper = mapper or mapper_selectors.mapper_active()
    persona = Persona.objects.create(
        subject=subject,
        mapper=mapper,
        mapper_config_id=mapper.config_id if mapper else "",
        mapper_version=mapper.version if mapper else None,
        status=Persona.Status.GENERATING,
        name=subject.display_name[:200],
        created_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
    )
    persona.illustration_url = illustration_url(persona)
    persona.save(update_fields=["illustration_url"])
    _enqueue(persona)
    return persona


@transaction.atomic
def persona_retry(*, persona: Persona) -> Persona:
    """Generate a failed persona again. Raises NotRetryable unless it failed."""
    locked = Persona.objects.select_for_update().get(pk=persona.pk)
    if locked.status != Persona.Status.FAILED:
        raise NotRetryable(
            f"Only a failed persona can be retried; this one is {locked.get_status_display().lower()}."
        )
    if locked.mapper_id is None:
        mapper = mapper_selectors.mapper_active()
        if mapper is not None:
            locked.mapper = mapper
            locked.mapper_config_id, locked.mapper_version = mapper.config_id, mapper.version
    locked.status = Persona.Status.GENERATING
    locked.error = ""
    locked.save(
        update_fields=["status", "error", "mapper", "mapper_config_id", "mapper_version", "updated_at"]
    )
    _enqueue(locked)
    return locked


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class Prose:
    description: str
    voice_sample: str
    source: str  # "llm" | "template"
    reason: str = ""
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    duration_ms: int | None = None


def parse_prose(text: str) -> tuple[dict[str, str] | None, str]:
    """The description and voice sample from the LLM's reply, or (None, why not)."""
    text = (text or "").strip()
    if not text:
        return None, "the reply was empty"
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        return None, "the reply was not JSON"
    try:
        data = json.loads(text[start : end + 1])
    except ValueError:
        return None, "the reply was not valid JSON"
    if not isinstance(data, dict):
        return None, "the reply was not a JSON object"
    description, voice = data.get("description"), data.get("voice_sample")
    if not isinstance(description, str) or not description.strip():
        return None, "the reply had no description"
    if not isinstance(voice, str) or not voice.strip():
        return None, "the reply had no voice_sample"
    description, voice = " ".join(description.split()), " ".join(voice.split())
    if len(description) > MAX_DESCRIPTION_CHARS:
        return None, f"the description was longer than {MAX_DESCRIPTION_CHARS} characters"
    if len(voice) > MAX_VOICE_SAMPLE_CHARS:
        return None, f"the voice sample was longer than {MAX_VOICE_SAMPLE_CHARS} characters"
    return {"description": description, "voice_sample": voice}, ""


def _write_prose(facts: composer.PersonaFacts) -> Prose:
    """Ask the LLM for the prose. LLMUnavailable propagates (the persona fails, Retry later);
    a malformed or refused reply falls back to the template."""
    started = time.monotonic()
    try:
        result = llm.chat(
            composer.prose_request(facts), temperature=PROSE_TEMPERATURE, max_tokens=PROSE_MAX_TOKENS
        )
    except llm.LLMUnavailable:
        raise
    except llm.LLMError as exc:
        return Prose(
            facts.description, facts.voice_sample, "template", reason=f"The LLM's answer was unusable: {exc}"
        )
    elapsed = round((time.monotonic() - started) * 1000)
    parsed, why = parse_prose(result.text)
    usage = {
        "model": result.model,
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "duration_ms": elapsed,
    }
    if parsed is None:
        if result.finish_reason == "length":
            why += " (cut off at the token limit)"
        return Prose(
            facts.description, facts.voice_sample, "template", reason=why[:1].upper() + why[1:] + ".", **usage
        )
    return Prose(parsed["description"], parsed["voice_sample"], "llm", **usage)


@dataclass(frozen=True)
class _Grounding:
    facts: list[composer.NarrativeFact]
    usages: list[tuple[Narrative, float | None]]
    method: str  # "vector" | "latest" | "none"
    note: str


def _grounding(subject: SubjectProfile, query: str) -> _Grounding:
    """The most relevant narratives; the latest ones when search fails or finds nothing."""
    if not Narrative.objects.filter(subject=subject).exists():
        return _Grounding([], [], "none", "no narratives")
    hits: list[tuple[Narrative, float | None]] = []
    note = ""
    try:
        search = narrative_selectors.narrative_search(subject=subject, query=query, k=NARRATIVES_K)
        hits = [(hit.narrative, round(float(hit.score), 4)) for hit in search.hits]
        if not hits:
            note = "search found nothing"
            if search.not_searchable:
                note += f" ({search.not_searchable} narratives not yet searchable)"
    except Exception as exc:  # noqa: BLE001 - search is a nicety; never fail the persona for it
        log.warning("Narrative search for persona grounding failed: %s", exc)
        note = f"search failed: {exc}"[:300]
    method = "vector"
    if not hits:
        method = "latest"
        hits = [(n, None) for n in narrative_selectors.narratives_for_subject(subject)[:NARRATIVES_K]]
    facts = [composer.NarrativeFact(id=str(n.pk), text=n.text, relevance=score) for n, score in hits]
    return _Grounding(facts, hits, method, note)


def _fired_rules(mapper: MapperConfig, traits: dict) -> list[composer.FiredRule]:
    evaluation = rules.evaluate(mapper.configuration, traits)
    return [
        composer.FiredRule(
            rule_id=outcome.rule_id,
            actions=list(outcome.actions),
            reasons=list(outcome.reasons),
            priority=outcome.priority,
        )
        for outcome in evaluation.fired
    ]


def _mindscape_with_scores(subject: SubjectProfile) -> Mindscape:
    mindscape = mindscape_selectors.mindscape_for_subject(subject)
    if (
        mindscape is None or not composer.has_scores(mindscape.traits)
    ) and persona_selectors.subject_has_scores(subject):
        # Scores exist but the mindscape has not caught up yet (its rebuild is queued): build it now.
        from personas.services import mindscapes

        mindscapes.mindscape_rebuild(subject_id=subject.pk)
        mindscape = mindscape_selectors.mindscape_for_subject(subject)
    if mindscape is None or not composer.has_scores(mindscape.traits):
        raise GenerationFailed(f"The subject's mindscape has no scores. {NO_SCORES}")
    return mindscape


def persona_generate(*, persona_id) -> None:
    """Build the persona (the outbox handler's work). Only a persona in status ``generating`` is
    touched; running it twice is harmless."""
    persona = Persona.objects.select_related("subject", "mapper").filter(pk=persona_id).first()
    if persona is None or persona.status != Persona.Status.GENERATING:
        return
    started = time.monotonic()
    try:
        _generate(persona, started)
    except llm.LLMUnavailable as exc:
        _fail(persona.pk, f"The language model is unavailable: {exc} Retry later.")
    except ImproperlyConfigured as exc:
        _fail(persona.pk, f"The language model is not configured: {exc}")
    except GenerationFailed as exc:
        _fail(persona.pk, str(exc))
    except Exception as exc:  # noqa: BLE001 - a persona must never stay "generating" forever
        log.exception("Persona %s failed to generate", persona.pk)
        _fail(persona.pk, f"Generation failed unexpectedly ({type(exc).__name__}: {exc}).")


def _fail(persona_id, message: str) -> None:
    with transaction.atomic():
        persona = Persona.objects.select_for_update().filter(pk=persona_id).first()
        if persona is None or persona.status != Persona.Status.GENERATING:
            return
        persona.status = Persona.Status.FAILED
        persona.error = message[:2000]
        persona.save(update_fields=["status", "error", "updated_at"])


def _generate(persona: Persona, started: float) -> None:
    subject = persona.subject
    mapper = persona.mapper or mapper_selectors.mapper_active(persona.mapper_config_id or None)
    if mapper is None:
        raise GenerationFailed(
            f"There is no active mapper configuration “{persona.mapper_config_id or mapper_selectors.DEFAULT_MAPPER_CONFIG_ID}”: "
            "an administrator must activate one (manage.py load_builtin_data loads the default)."
        )
    mindscape = _mindscape_with_scores(subject)
    traits = mindscape.traits
    fired = _fired_rules(mapper, traits)
    query = composer.search_query(traits, fired)
    grounding = _grounding(subject, query)
    now = timezone.now()
    expires_at = now + timedelta(hours=mapper.persona_ttl_hours or DEFAULT_TTL_HOURS)
    observations = [
        composer.ObservationFact(
            o.observation_type, o.created_at, o.content if isinstance(o.content, dict) else {}
        )
        for o in observation_selectors.observations_since(subject, now - timedelta(days=OVERLAY_DAYS))[:200]
    ]
    facts = composer.compose(
        name=persona.name or subject.display_name,
        traits=traits,
        fired=fired,
        narratives=grounding.facts,
        observations=observations,
        generated_at=now,
        expires_at=expires_at,
    )
    prose = _write_prose(facts)
    svg = avatar_svg(traits, seed=str(subject.pk), title=f"Avatar of {facts.name}")
    metadata: dict[str, Any] = {
        "model": prose.model,
        "prompt_tokens": prose.prompt_tokens,
        "completion_tokens": prose.completion_tokens,
        "llm_duration_ms": prose.duration_ms,
        "prose": prose.source,
        "prose_fallback_reason": prose.reason,
        "voice_sample": prose.voice_sample,
        "mapper": {"config_id": mapper.config_id, "version": mapper.version},
        "mindscape_version": mindscape.version,
        "rules_fired": [rule.rule_id for rule in fired],
        "rules": [
            {
                "rule_id": rule.rule_id,
                "reasons": list(rule.reasons),
                "priority": rule.priority,
                "actions": list(rule.actions),
            }
            for rule in fired
        ],
        "narratives": {
            "method": grounding.method,
            "query": query,
            "note": grounding.note,
            "count": len(grounding.usages),
        },
        "observations_count": len(observations),
    }
    with transaction.atomic():
        locked = Persona.objects.select_for_update().filter(pk=persona.pk).first()
        if locked is None or locked.status != Persona.Status.GENERATING:
            return  # someone else finished it meanwhile
        metadata["duration_ms"] = round((time.monotonic() - started) * 1000)
        locked.mapper = mapper
        locked.mapper_config_id, locked.mapper_version = mapper.config_id, mapper.version
        locked.name = facts.name[:200]
        locked.core = facts.core
        locked.overlay = facts.overlay
        locked.persona_prompt = facts.persona_prompt
        locked.description = prose.description
        locked.metadata = metadata
        locked.illustration_svg = svg
        locked.illustration_url = illustration_url(locked)
        locked.expires_at = expires_at
        locked.error = ""
        locked.status = Persona.Status.READY
        locked.save()
        PersonaNarrativeUsage.objects.filter(persona=locked).delete()
        PersonaNarrativeUsage.objects.bulk_create(
            PersonaNarrativeUsage(
                persona=locked,
                narrative=narrative,
                usage_type="grounding",
                relevance_score=score,
                usage_context={"query": query, "method": grounding.method},
            )
            for narrative, score in grounding.usages
        )
        from personas.services import mappers

        mappers.mapper_record_use(mapper=mapper)


# --------------------------------------------------------------------------- feedback


def feedback_create(
    *,
    persona: Persona,
    created_by,
    rating: int | None = None,
    helpful: bool | None = None,
    comment: str = "",
    context: dict | None = None,
    rule_id: str = "",
):
    """Record feedback on a persona (with the mapper version it was built with)."""
    from personas.models import Feedback

    errors: dict[str, list[str]] = {}
    if rating is not None and (
        isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5
    ):
        errors["rating"] = ["Give a rating from 1 to 5."]
    if helpful is not None and not isinstance(helpful, bool):
        errors["helpful"] = ["Must be true or false."]
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        errors["comment"] = [f"At most {MAX_COMMENT_CHARS} characters ({len(comment)} given)."]
    context = context if context is not None else {}
    if not isinstance(context, dict):
        errors["context"] = ["Must be a JSON object."]
    elif len(json.dumps(context)) > MAX_CONTEXT_CHARS:
        errors["context"] = [f"At most {MAX_CONTEXT_CHARS} characters of JSON."]
    rule_id = (rule_id or "").strip()
    if len(rule_id) > 255:
        errors["rule_id"] = ["At most 255 characters."]
    if not errors and rating is None and helpful is None and not comment:
        errors["rating"] = ["Give a rating, say whether it helped, or leave a comment."]
    if errors:
        raise InvalidFeedback("The feedback is invalid.", errors=errors)
    with transaction.atomic():
        return Feedback.objects.create(
            persona=persona,
            rating=rating,
            helpful=helpful,
            comment=comment,
            context=context,
            rule_id=rule_id,
            mapper_version=persona.mapper_version,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
