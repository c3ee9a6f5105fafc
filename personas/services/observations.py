"""Observations: typed JSON events about a subject, validated by their type's JSON Schema.

Creating observations is all or nothing: every item is checked first (errors keyed by JSON
path, prefixed by the item's index in a bulk request), then all rows are inserted in one
transaction together with an outbox task that rebuilds the subject's mindscape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessments.models import SubjectProfile
from personas import observation_types
from personas.models import Observation
from personas.services.mindscapes import mindscape_rebuild_enqueue

MAX_BULK = 500  # observations per request (documented in the API)
MAX_CONTENT_BYTES = 64 * 1024
MAX_METADATA_BYTES = 8 * 1024
# created_at may be set for imports; a little in the future is clock skew, more is a mistake.
MAX_FUTURE = timedelta(minutes=5)


class ObservationInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]], detail: str = "Some observations are invalid."):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


@dataclass(frozen=True)
class NewObservation:
    observation_type: str
    content: Any
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def _json_size(value: Any) -> int | None:
    try:
        return len(json.dumps(value, allow_nan=False).encode())
    except (TypeError, ValueError):
        return None


def observation_errors(item: NewObservation, *, prefix: str = "") -> dict[str, list[str]]:
    """Problems of one observation, keyed by JSON path (``content.duration_minutes``) under ``prefix``."""
    errors: dict[str, list[str]] = {}
    kind = observation_types.get_observation_type(item.observation_type)
    if kind is None:
        known = ", ".join(observation_types.type_names())
        errors[f"{prefix}observation_type"] = [f"Unknown type {item.observation_type!r}; known: {known}."]
    else:
        size = _json_size(item.content)
        if size is None:
            errors[f"{prefix}content"] = ["Content must be JSON (no NaN or Infinity)."]
        elif size > MAX_CONTENT_BYTES:
            errors[f"{prefix}content"] = [f"Content is at most {MAX_CONTENT_BYTES} bytes as JSON."]
        else:
            errors.update(
                observation_types.content_errors(kind.name, item.content, prefix=f"{prefix}content")
            )
    if not isinstance(item.metadata, dict):
        errors[f"{prefix}metadata"] = ["Metadata must be a JSON object."]
    elif (_json_size(item.metadata) or MAX_METADATA_BYTES + 1) > MAX_METADATA_BYTES:
        errors[f"{prefix}metadata"] = [f"Metadata is at most {MAX_METADATA_BYTES} bytes as JSON."]
    if item.created_at is not None and item.created_at > timezone.now() + MAX_FUTURE:
        errors[f"{prefix}created_at"] = ["An observation cannot be recorded in the future."]
    return errors


def observations_create(
    *, subject: SubjectProfile, items: list[NewObservation], created_by=None, bulk: bool = False
) -> list[Observation]:
    """Validate every item, then insert them all and enqueue a mindscape rebuild, atomically.

    ``bulk`` prefixes error paths with the item's index (``3.content.duration_minutes``).
    Raises ObservationInvalid with nothing written.
    """
    if not items:
        raise ObservationInvalid({"non_field_errors": ["Send at least one observation."]})
    if len(items) > MAX_BULK:
        raise ObservationInvalid(
            {"non_field_errors": [f"At most {MAX_BULK} observations per request (got {len(items)})."]},
            detail=f"Too many observations: at most {MAX_BULK} per request.",
        )
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        errors.update(observation_errors(item, prefix=f"{index}." if bulk else ""))
    if errors:
        raise ObservationInvalid(errors)

    with transaction.atomic():
        created = Observation.objects.bulk_create(
            Observation(
                subject=subject,
                observation_type=item.observation_type,
                content=item.content,
                metadata=item.metadata,
                created_by=created_by,
                **({"created_at": item.created_at} if item.created_at is not None else {}),
            )
            for item in items
        )
        mindscape_rebuild_enqueue(subject_id=subject.pk)
    return created


def observation_create(
    *,
    subject: SubjectProfile,
    observation_type: str,
    content: Any,
    metadata: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    created_by=None,
) -> Observation:
    """One observation (see :func:`observations_create`)."""
    item = NewObservation(observation_type, content, metadata or {}, created_at)
    return observations_create(subject=subject, items=[item], created_by=created_by)[0]
