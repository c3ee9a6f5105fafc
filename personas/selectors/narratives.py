"""Read queries: narratives and semantic search. (Owner: narratives work; contract stubs until filled.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from assessments.models import SubjectProfile
from personas.models import Narrative


@dataclass(frozen=True)
class NarrativeHit:
    narrative: Narrative
    distance: float  # cosine distance, 0 = same direction
    score: float  # 1 - distance, higher is closer


@dataclass(frozen=True)
class NarrativeSearch:
    hits: list[NarrativeHit] = field(default_factory=list)
    not_searchable: int = 0  # narratives of this subject still waiting for their embedding
    model: str = ""


def narratives_for_subject(subject: SubjectProfile) -> QuerySet[Narrative]:
    return Narrative.objects.filter(subject=subject).order_by("-created_at", "-id")


def narrative_search(
    *,
    subject: SubjectProfile,
    query: str,
    k: int = 5,
    narrative_type: str | None = None,
    tag: str | None = None,
) -> NarrativeSearch:
    """Top-k narratives of ``subject`` by cosine distance to ``query`` (embedded with the
    configured model). Raises personai.llm.LLMError when the embedding model is unavailable."""
    return NarrativeSearch()
