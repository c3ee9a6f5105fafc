"""Narratives: create, update, delete; their embeddings (through the outbox); trait links.

Limits (the API and the pages report a breach as a 400 by field, and write nothing):

* ``raw_text`` and ``curated_text``: at most MAX_TEXT_CHARS characters; ``raw_text`` must not be
  blank after stripping (``curated_text`` may be empty, meaning "not curated").
* ``tags``: at most MAX_TAGS, each 1–MAX_TAG_CHARS characters of ``a-z 0-9 - _`` and spaces,
  lower-cased, stripped and de-duplicated (first occurrence kept).
* ``trait_path``: a mindscape dot path (``big_five.openness.score``); required for curations.

The embedding is computed after commit: saving a narrative enqueues ``personas.embed_narrative``
(dedupe key ``narrative-embed:<id>``) in the same transaction. :func:`narrative_embed` embeds
``curated_text or raw_text`` with the configured model, stores the vector only if the text has
not changed meanwhile, and suggests up to MAX_SUGGESTIONS ``supports`` links to the traits whose
descriptions lie closest. When the embedding model is unavailable it raises, so the outbox
retries with backoff; the narrative stays saved and "pending".
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from assessments.models import SubjectProfile
from personai import llm
from personai.outbox import OutboxTask, enqueue
from personas.models import Narrative, TraitNarrativeLink
from personas.selectors.narratives import configured_embedding_model

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 5_000
MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_TRAIT_PATH_CHARS = 200
MAX_SOURCE_CHARS = 100
TAG_PATTERN = re.compile(r"^[a-z0-9_\- ]+$")
TRAIT_PATH_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")

EMBED_TASK = "personas.embed_narrative"
# Suggested links: at most this many per narrative, only above this cosine similarity.
MAX_SUGGESTIONS = 3
SUGGESTION_THRESHOLD = 0.25
# How often narrative_embed re-reads and re-embeds when the text changes under it.
_EMBED_ATTEMPTS = 3


class NarrativeInvalid(Exception):  # noqa: N818 - reads as "the narrative is invalid"
    """Input outside the limits; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))
        self.errors = errors


class TraitLinkInvalid(NarrativeInvalid):
    pass


class TraitLinkExists(Exception):  # noqa: N818
    """The narrative already has a link of this type to this trait path."""


class TextChanged(Exception):  # noqa: N818
    """The narrative's text kept changing while it was being embedded; the outbox retries."""


# --------------------------------------------------------------------------- the embedding model


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- validation


def clean_text(value: Any, field: str, errors: dict[str, list[str]], *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append("Must be a string.")
        return ""
    stripped = value.strip()
    if required and not stripped:
        errors.setdefault(field, []).append("This field may not be blank.")
    if len(stripped) > MAX_TEXT_CHARS:
        errors.setdefault(field, []).append(
            f"At most {MAX_TEXT_CHARS:,} characters (this one has {len(stripped):,})."
        )
    return stripped


def clean_tags(value: Any, errors: dict[str, list[str]]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        errors.setdefault("tags", []).append("Must be a list of strings.")
        return []
    tags: list[str] = []
    problems: list[str] = []
    for index, raw in enumerate(value):
        if not isinstance(raw, str):
            problems.append(f"Tag {index + 1} must be a string.")
            continue
        tag = " ".join(raw.strip().lower().split())
        if not tag:
            problems.append(f"Tag {index + 1} is empty.")
        elif len(tag) > MAX_TAG_CHARS:
            problems.append(f"Tag {index + 1} is longer than {MAX_TAG_CHARS} characters.")
        elif not TAG_PATTERN.match(tag):
            problems.append(
                f"Tag {index + 1} ({tag[:MAX_TAG_CHARS]!r}) may only contain letters a–z, digits, "
                "spaces, '-' and '_'."
            )
        elif tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        problems.append(f"At most {MAX_TAGS} tags (got {len(tags)}).")
    if problems:
        errors.setdefault("tags", []).extend(problems)
    return tags


def clean_trait_path(value: Any, errors: dict[str, list[str]], *, field: str = "trait_path") -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append("Must be a string.")
        return ""
    path = value.strip()
    if not path:
        return ""
    if len(path) > MAX_TRAIT_PATH_CHARS:
        errors.setdefault(field, []).append(f"At most {MAX_TRAIT_PATH_CHARS} characters.")
    elif not TRAIT_PATH_PATTERN.match(path):
        errors.setdefault(field, []).append(
            "Must be a dot path of lower-case segments (a-z, 0-9, _), e.g. big_five.openness.score."
        )
    return path


def narrative_clean(
    *,
    narrative_type: Any,
    raw_text: Any,
    curated_text: Any,
    tags: Any,
    context: Any,
    trait_path: Any,
    curation_action: Any,
    source: Any,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if narrative_type not in Narrative.NarrativeType.values:
        errors["narrative_type"] = [f"Must be one of: {', '.join(Narrative.NarrativeType.values)}."]
    data: dict[str, Any] = {
        "narrative_type": narrative_type,
        "raw_text": clean_text(raw_text, "raw_text", errors, required=True),
        "curated_text": clean_text(curated_text, "curated_text", errors, required=False),
        "tags": clean_tags(tags, errors),
        "trait_path": clean_trait_path(trait_path, errors),
    }
    if context is None:
        context = {}
    if not isinstance(context, dict):
        errors["context"] = ["Must be a JSON object."]
    data["context"] = context
    if curation_action is not None and not isinstance(curation_action, dict):
        errors["curation_action"] = ["Must be a JSON object or null."]
    data["curation_action"] = curation_action
    source = "" if source is None else source
    if not isinstance(source, str):
        errors["source"] = ["Must be a string."]
        source = ""
    elif len(source.strip()) > MAX_SOURCE_CHARS:
        errors["source"] = [f"At most {MAX_SOURCE_CHARS} characters."]
    data["source"] = source.strip()
    if (
        narrative_type == Narrative.NarrativeType.CURATION
        and not data["trait_path"]
        and "trait_path" not in errors
    ):
        errors["trait_path"] = ["A curation must name the trait it curates (a dot path)."]
    if errors:
        raise NarrativeInvalid(errors)
    return data


# --------------------------------------------------------------------------- narratives


def _enqueue_embedding(narrative_id) -> None:
    payload = {"narrative_id": str(narrative_id)}
    key = f"narrative-embed:{narrative_id}"
    task = enqueue(EMBED_TASK, payload, dedupe_key=key)
    if task.status == OutboxTask.Status.IN_PROGRESS:
        # A run is under way and deduplication handed us its row: it may have read the old text
        # and be about to finish. One follow-up run makes sure the text saved now gets embedded
        # (it is a no-op if that run picked the change up itself).
        enqueue(EMBED_TASK, payload, dedupe_key=f"{key}:again")


@transaction.atomic
def narrative_create(
    *,
    subject: SubjectProfile,
    narrative_type: str,
    raw_text: str,
    curated_text: str = "",
    tags: Iterable[str] = (),
    context: dict | None = None,
    trait_path: str = "",
    curation_action: dict | None = None,
    source: str = "",
    created_by=None,
) -> Narrative:
    """Save a narrative and enqueue its embedding; raises NarrativeInvalid (nothing written)."""
    data = narrative_clean(
        narrative_type=narrative_type,
        raw_text=raw_text,
        curated_text=curated_text,
        tags=list(tags) if tags is not None else None,
        context=context,
        trait_path=trait_path,
        curation_action=curation_action,
        source=source,
    )
    narrative = Narrative.objects.create(subject=subject, created_by=created_by, **data)
    _enqueue_embedding(narrative.pk)
    return narrative


_UNSET: Any = object()


@transaction.atomic
def narrative_update(
    *,
    narrative: Narrative,
    narrative_type: Any = _UNSET,
    raw_text: Any = _UNSET,
    curated_text: Any = _UNSET,
    tags: Any = _UNSET,
    context: Any = _UNSET,
    trait_path: Any = _UNSET,
    curation_action: Any = _UNSET,
    source: Any = _UNSET,
) -> Narrative:
    """Change the given fields (the others keep their values). A change of the text that counts
    (curated or raw) clears the embedding and its suggested links and enqueues a new embedding."""
    locked = Narrative.objects.select_for_update().get(pk=narrative.pk)
    given = {
        "narrative_type": narrative_type,
        "raw_text": raw_text,
        "curated_text": curated_text,
        "tags": tags,
        "context": context,
        "trait_path": trait_path,
        "curation_action": curation_action,
        "source": source,
    }
    merged = {name: (getattr(locked, name) if value is _UNSET else value) for name, value in given.items()}
    if merged["tags"] is not None and not isinstance(merged["tags"], str):
        merged["tags"] = list(merged["tags"])
    data = narrative_clean(**merged)
    old_text = locked.text
    for name, value in data.items():
        setattr(locked, name, value)
    text_changed = locked.text != old_text
    if text_changed:
        locked.embedding = None
        locked.embedding_model = ""
        locked.embedded_at = None
        locked.links.filter(status=TraitNarrativeLink.Status.SUGGESTED).delete()
    locked.save()
    if text_changed:
        _enqueue_embedding(locked.pk)
    return locked


@transaction.atomic
def narrative_delete(*, narrative: Narrative) -> None:
    Narrative.objects.filter(pk=narrative.pk).delete()


@transaction.atomic
def narrative_request_reembed(*, narrative_ids: Iterable) -> int:
    """Enqueue embedding tasks for these narratives; a current vector stays searchable until the
    new one replaces it (``embedded_at`` is cleared to mark it for renewal). Returns how many."""
    ids = list(narrative_ids)
    Narrative.objects.filter(pk__in=ids).update(embedded_at=None)
    for narrative_id in ids:
        _enqueue_embedding(narrative_id)
    return len(ids)


def narrative_embed(*, narrative_id) -> Narrative | None:
    """Compute and store the narrative's embedding (the outbox's ``personas.embed_narrative``).

    Idempotent: a narrative that already has a vector of the configured model (and was not
    marked for renewal) is left alone; a deleted one is skipped. The vector is stored only if
    the text is still the one that was embedded. Raises ``llm.LLMError`` when the model is
    unavailable, so the outbox retries with backoff.
    """
    for _ in range(_EMBED_ATTEMPTS):
        narrative = Narrative.objects.filter(pk=narrative_id).first()
        if narrative is None:
            return None
        model = configured_embedding_model()
        if (
            narrative.embedding is not None
            and narrative.embedding_model == model
            and narrative.embedded_at is not None
        ):
            return narrative
        text = narrative.text
        result = llm.embed([text])  # outside any transaction: it may take a while
        vector = result.vectors[0]
        suggestions = _trait_suggestions(vector, result.model)
        with transaction.atomic():
            locked = Narrative.objects.select_for_update().filter(pk=narrative_id).first()
            if locked is None:
                return None
            if text_hash(locked.text) != text_hash(text):
                continue  # edited while we embedded: embed the new text
            locked.embedding = vector
            locked.embedding_model = result.model
            locked.embedded_at = timezone.now()
            locked.save(update_fields=["embedding", "embedding_model", "embedded_at"])
            _store_suggestions(locked, suggestions, result.model)
            return locked
    raise TextChanged(f"Narrative {narrative_id} kept changing while it was embedded; will retry.")


# --------------------------------------------------------------------------- trait descriptions


@dataclass(frozen=True)
class TraitDescription:
    path: str  # mindscape dot path, e.g. big_five.openness.score
    label: str  # "Openness to Experience"
    text: str  # what is embedded: "Openness to Experience: How much you are drawn to ..."
    direction: str = "high"  # "low" when the description names the opposite pole of the path


def _segment(slug: str) -> str:
    return slug.replace("-", "_")


# ipip-50 names two Big Five domains differently (the mindscape contract maps them).
_IPIP50_DOMAINS = {"emotional-stability": ("neuroticism", "low"), "intellect": ("openness", "high")}
_BIG_FIVE_DOMAINS = {"neuroticism", "extraversion", "openness", "agreeableness", "conscientiousness"}


def trait_descriptions() -> list[TraitDescription]:
    """Every trait dimension of every questionnaire's analysis model, as mindscape paths
    (Big Five → ``big_five.<domain>[.facets.<facet>].score``, DISC → ``disc.<x>.score``,
    anything else → ``questionnaires.<questionnaire>.<dimension>.score``)."""
    from questionnaires.models import QuestionnaireVersion, TraitDimension

    models_by_id: dict[int, set[str]] = {}
    pairs = QuestionnaireVersion.objects.values_list("questionnaire__slug", "analysis_model_id").distinct()
    for slug, model_id in pairs:
        models_by_id.setdefault(model_id, set()).add(slug)
    dimensions = (
        TraitDimension.objects.filter(analysis_model_id__in=models_by_id)
        .select_related("parent")
        .order_by("analysis_model_id", "sort_order", "slug")
    )
    found: dict[str, TraitDescription] = {}
    for dimension in dimensions:
        for questionnaire in sorted(models_by_id[dimension.analysis_model_id]):
            description = _describe(questionnaire, dimension)
            if description is not None and description.path not in found:
                found[description.path] = description
    return list(found.values())


def _describe(questionnaire: str, dimension) -> TraitDescription | None:
    label = dimension.name
    text = f"{dimension.name}: {dimension.description}".strip().rstrip(":")
    slug = dimension.slug
    if questionnaire == "ipip-neo-120":
        if dimension.parent_id is None:
            if slug not in _BIG_FIVE_DOMAINS:
                return None
            return TraitDescription(f"big_five.{slug}.score", label, text)
        return TraitDescription(
            f"big_five.{_segment(dimension.parent.slug)}.facets.{_segment(slug)}.score", label, text
        )
    if questionnaire == "ipip-50":
        domain, direction = _IPIP50_DOMAINS.get(slug, (slug, "high"))
        if domain not in _BIG_FIVE_DOMAINS or dimension.parent_id is not None:
            return None
        return TraitDescription(f"big_five.{domain}.score", label, text, direction)
    if questionnaire == "disc":
        if slug not in {"d", "i", "s", "c"}:
            return None
        return TraitDescription(f"disc.{slug}.score", label, text)
    if dimension.parent_id is not None:
        return None
    return TraitDescription(f"questionnaires.{_segment(questionnaire)}.{_segment(slug)}.score", label, text)


# In-process cache of description vectors: {model name: {description text: unit vector}}.
_description_vectors: dict[str, dict[str, np.ndarray]] = {}
_cache_lock = threading.Lock()


def _unit(vector) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float64)
    norm = np.linalg.norm(array)
    return array / norm if norm else array


def _description_matrix(descriptions: list[TraitDescription], model: str) -> np.ndarray | None:
    """Unit vectors of the descriptions' texts by ``model`` (cached per process); None when the
    configured model no longer is ``model`` (vectors of different models are never compared)."""
    with _cache_lock:
        cached = _description_vectors.setdefault(model, {})
        missing = [d.text for d in descriptions if d.text not in cached]
    if missing:
        result = llm.embed(missing)
        if result.model != model:
            return None
        with _cache_lock:
            for text, vector in zip(missing, result.vectors, strict=True):
                cached[text] = _unit(vector)
    return np.vstack([cached[d.text] for d in descriptions])


@dataclass(frozen=True)
class TraitSuggestion:
    description: TraitDescription
    similarity: float


def _trait_suggestions(vector, model: str) -> list[TraitSuggestion]:
    descriptions = trait_descriptions()
    if not descriptions:
        return []
    matrix = _description_matrix(descriptions, model)
    if matrix is None:
        return []
    similarities = matrix @ _unit(vector)
    order = np.argsort(-similarities)
    suggestions = []
    for index in order[:MAX_SUGGESTIONS]:
        similarity = float(similarities[index])
        if similarity < SUGGESTION_THRESHOLD:
            break
        suggestions.append(TraitSuggestion(descriptions[index], min(1.0, similarity)))
    return suggestions


def _store_suggestions(narrative: Narrative, suggestions: list[TraitSuggestion], model: str) -> None:
    # ignore_conflicts: a link the owner already accepted or rejected is never suggested again.
    TraitNarrativeLink.objects.bulk_create(
        [
            TraitNarrativeLink(
                narrative=narrative,
                trait_path=suggestion.description.path,
                link_type=TraitNarrativeLink.LinkType.SUPPORTS,
                confidence=round(suggestion.similarity, 4),
                status=TraitNarrativeLink.Status.SUGGESTED,
                metadata={
                    "suggested_by": "embedding",
                    "model": model,
                    "trait": suggestion.description.label,
                    "direction": suggestion.description.direction,
                },
            )
            for suggestion in suggestions
        ],
        ignore_conflicts=True,
    )


def clear_description_cache() -> None:
    with _cache_lock:
        _description_vectors.clear()


# --------------------------------------------------------------------------- trait links


def trait_link_clean(*, trait_path: Any, link_type: Any, confidence: Any, metadata: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    path = clean_trait_path(trait_path, errors)
    if not path and "trait_path" not in errors:
        errors["trait_path"] = ["This field is required."]
    if link_type not in TraitNarrativeLink.LinkType.values:
        errors["link_type"] = [f"Must be one of: {', '.join(TraitNarrativeLink.LinkType.values)}."]
    if confidence is not None:
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            errors["confidence"] = ["Must be a number between 0 and 1."]
        elif not 0 <= confidence <= 1:
            errors["confidence"] = ["Must be between 0 and 1."]
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        errors["metadata"] = ["Must be a JSON object."]
    if errors:
        raise TraitLinkInvalid(errors)
    return {
        "trait_path": path,
        "link_type": link_type,
        "confidence": None if confidence is None else float(confidence),
        "metadata": metadata,
    }


@transaction.atomic
def trait_link_create(
    *,
    narrative: Narrative,
    trait_path: str,
    link_type: str,
    confidence: float | None = None,
    metadata: dict | None = None,
    created_by=None,
) -> TraitNarrativeLink:
    """A link made by hand (status accepted). Raises TraitLinkInvalid, or TraitLinkExists when the
    narrative already links to this path with this type."""
    data = trait_link_clean(
        trait_path=trait_path, link_type=link_type, confidence=confidence, metadata=metadata
    )
    if created_by is not None:
        data["metadata"] = {**data["metadata"], "created_by": str(created_by.pk)}
    exists = TraitNarrativeLink.objects.filter(
        narrative=narrative, trait_path=data["trait_path"], link_type=data["link_type"]
    ).exists()
    if exists:
        raise TraitLinkExists(
            f"This narrative already has a '{data['link_type']}' link to {data['trait_path']}."
        )
    created = TraitNarrativeLink.objects.bulk_create(
        [TraitNarrativeLink(narrative=narrative, status=TraitNarrativeLink.Status.ACCEPTED, **data)],
        ignore_conflicts=True,
    )
    link = TraitNarrativeLink.objects.filter(
        narrative=narrative, trait_path=data["trait_path"], link_type=data["link_type"]
    ).first()
    if link is None or link.pk != created[0].pk:
        raise TraitLinkExists(
            f"This narrative already has a '{data['link_type']}' link to {data['trait_path']}."
        )
    return link


@transaction.atomic
def trait_link_update(
    *,
    link: TraitNarrativeLink,
    status: Any = _UNSET,
    confidence: Any = _UNSET,
    metadata: Any = _UNSET,
) -> TraitNarrativeLink:
    """Accept or reject a suggestion (``status``), or change confidence/metadata."""
    locked = TraitNarrativeLink.objects.select_for_update().get(pk=link.pk)
    errors: dict[str, list[str]] = {}
    if status is not _UNSET:
        if status not in TraitNarrativeLink.Status.values:
            errors["status"] = [f"Must be one of: {', '.join(TraitNarrativeLink.Status.values)}."]
        else:
            locked.status = status
    try:
        cleaned = trait_link_clean(
            trait_path=locked.trait_path,
            link_type=locked.link_type,
            confidence=locked.confidence if confidence is _UNSET else confidence,
            metadata=locked.metadata if metadata is _UNSET else metadata,
        )
    except TraitLinkInvalid as exc:
        errors.update(exc.errors)
    if errors:
        raise TraitLinkInvalid(errors)
    locked.confidence = cleaned["confidence"]
    locked.metadata = cleaned["metadata"]
    locked.save(update_fields=["status", "confidence", "metadata"])
    return locked


@transaction.atomic
def trait_link_delete(*, link: TraitNarrativeLink) -> None:
    TraitNarrativeLink.objects.filter(pk=link.pk).delete()
