"""Read queries: narratives, trait links and semantic search.

Search is top-k by cosine distance over the HNSW index (``idx_narratives_embedding``), restricted
to one subject and to vectors of the query's model (vectors of different models are never
compared). Filters (type, tag) would starve a plain HNSW scan — it looks at ``hnsw.ef_search``
candidates and filters afterwards — so every search runs with ``hnsw.iterative_scan =
relaxed_order`` (pgvector ≥ 0.8), which keeps scanning until k rows pass the filters; the few
hits are re-sorted by distance here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Value
from pgvector.django import CosineDistance

from assessments.models import SubjectProfile
from personai import llm
from personas.models import Narrative, TraitNarrativeLink
from personas.selectors import subjects as subject_selectors

MAX_QUERY_CHARS = 500
MAX_K = 50
DEFAULT_K = 5
# hnsw.ef_search is max(EF_SEARCH_MIN, 2k): more candidates, better recall, slower (see
# bench/bench_narrative_search.py for the trade-off).
EF_SEARCH_MIN = 40


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


def configured_embedding_model() -> str:
    """The name of the embedding model configured now (what ``llm.embed`` stores beside vectors)."""
    if settings.EMBEDDING_BASE_URL:
        return settings.EMBEDDING_MODEL
    from personai import embeddings

    return embeddings.MODEL_NAME


def _with_embedding_state(queryset: QuerySet[Narrative]) -> QuerySet[Narrative]:
    """Leave the vector out (it is big) but say whether there is one (``has_embedding``) and
    whether it is one of the configured model (``is_searchable``)."""
    model = configured_embedding_model()
    return queryset.defer("embedding").annotate(
        has_embedding=ExpressionWrapper(Q(embedding__isnull=False), output_field=BooleanField()),
        is_searchable=ExpressionWrapper(
            Q(embedding__isnull=False, embedding_model=model), output_field=BooleanField()
        ),
    )


def _links_by_confidence() -> Prefetch:
    return Prefetch(
        "links",
        queryset=TraitNarrativeLink.objects.order_by(F("confidence").desc(nulls_last=True), "trait_path"),
    )


def narratives_for_subject(subject: SubjectProfile) -> QuerySet[Narrative]:
    """The subject's narratives, newest first, with their links prefetched and ``has_embedding``
    and ``is_searchable`` annotated (the vector itself is deferred)."""
    return _with_embedding_state(
        Narrative.objects.filter(subject=subject).order_by("-created_at", "-id")
    ).prefetch_related(_links_by_confidence())


def narratives_filtered(
    subject: SubjectProfile, *, narrative_type: str | None = None, tag: str | None = None
) -> QuerySet[Narrative]:
    queryset = narratives_for_subject(subject)
    if narrative_type:
        queryset = queryset.filter(narrative_type=narrative_type)
    if tag:
        queryset = queryset.filter(tags__contains=[tag])
    return queryset


def narrative_for_user(user, narrative_id) -> Narrative:
    """The narrative if ``user`` may see its subject; raises Narrative.DoesNotExist otherwise."""
    return (
        _with_embedding_state(
            Narrative.objects.filter(subject__in=subject_selectors.subjects_visible_to(user))
        )
        .select_related("subject")
        .prefetch_related(_links_by_confidence())
        .get(pk=narrative_id)
    )


def trait_link_for_user(user, link_id) -> TraitNarrativeLink:
    """The link if ``user`` may see its narrative's subject; raises DoesNotExist otherwise."""
    return TraitNarrativeLink.objects.select_related("narrative").get(
        pk=link_id, narrative__subject__in=subject_selectors.subjects_visible_to(user)
    )


def links_for_narrative(narrative: Narrative, *, status: str | None = None) -> QuerySet[TraitNarrativeLink]:
    queryset = TraitNarrativeLink.objects.filter(narrative=narrative).order_by("-created_at", "id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def not_searchable_count(subject: SubjectProfile, model: str) -> int:
    """Narratives of ``subject`` without a vector of ``model`` (pending, or another model's)."""
    return (
        Narrative.objects.filter(subject=subject)
        .exclude(embedding__isnull=False, embedding_model=model)
        .count()
    )


# --------------------------------------------------------------------------- search


def ef_search_for(k: int) -> int:
    """HNSW's candidate list size for a top-k search (pgvector's default 40, more for a big k)."""
    return max(EF_SEARCH_MIN, 2 * k)


@contextmanager
def search_session(k: int, *, exact: bool = False, ef_search: int | None = None) -> Iterator[None]:
    """A transaction whose settings let HNSW return a full k under filters (or, ``exact``,
    forbid the index so the result is the exact top-k: the benchmark's ground truth)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
            "set_config('hnsw.ef_search', %s, true)",
            [str(ef_search or ef_search_for(k))],
        )
        if exact:
            cursor.execute("SELECT set_config('enable_indexscan', 'off', true)")
        yield


def search_queryset(
    *,
    subject: SubjectProfile,
    vector: Sequence[float],
    model: str,
    k: int,
    narrative_type: str | None = None,
    tag: str | None = None,
) -> QuerySet[Narrative]:
    """The top-k query (run it inside :func:`search_session`)."""
    queryset = Narrative.objects.filter(subject=subject, embedding_model=model, embedding__isnull=False)
    if narrative_type:
        queryset = queryset.filter(narrative_type=narrative_type)
    if tag:
        queryset = queryset.filter(tags__contains=[tag])
    return (
        queryset.defer("embedding")
        .annotate(
            distance=CosineDistance("embedding", list(vector)),
            has_embedding=Value(True, output_field=BooleanField()),
            is_searchable=Value(True, output_field=BooleanField()),
        )
        .prefetch_related(_links_by_confidence())
        .order_by("distance")[:k]
    )


def narrative_search_vector(
    *,
    subject: SubjectProfile,
    vector: Sequence[float],
    model: str,
    k: int = DEFAULT_K,
    narrative_type: str | None = None,
    tag: str | None = None,
    exact: bool = False,
    count_pending: bool = True,
    ef_search: int | None = None,
) -> NarrativeSearch:
    """Top-k narratives of ``subject`` closest to an already computed query ``vector`` of ``model``.

    ``exact`` (the exact top-k by a sequential scan), ``count_pending`` and ``ef_search`` are
    for tests and the benchmark."""
    queryset = search_queryset(
        subject=subject, vector=vector, model=model, k=k, narrative_type=narrative_type, tag=tag
    )
    with search_session(k, exact=exact, ef_search=ef_search):
        narratives = list(queryset)
    # relaxed_order may return the k rows slightly out of order: put them back in order.
    narratives.sort(key=lambda narrative: narrative.distance)
    hits = [
        NarrativeHit(narrative=n, distance=float(n.distance), score=1.0 - float(n.distance))
        for n in narratives
    ]
    pending = not_searchable_count(subject, model) if count_pending else 0
    return NarrativeSearch(hits=hits, not_searchable=pending, model=model)


def narrative_search(
    *,
    subject: SubjectProfile,
    query: str,
    k: int = DEFAULT_K,
    narrative_type: str | None = None,
    tag: str | None = None,
) -> NarrativeSearch:
    """Top-k narratives of ``subject`` by cosine distance to ``query`` (embedded with the
    configured model). Raises personai.llm.LLMError when the embedding model is unavailable."""
    result = llm.embed([query])
    return narrative_search_vector(
        subject=subject,
        vector=result.vectors[0],
        model=result.model,
        k=k,
        narrative_type=narrative_type,
        tag=tag,
    )
