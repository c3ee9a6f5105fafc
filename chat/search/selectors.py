"""Hybrid search over what a user may see: full text and vectors, fused by reciprocal rank.

For each type (conversations, messages, artifacts, narratives) two ranked candidate lists are
read, each from its own index:

* **full text**: ``search_vector @@ query`` over the generated ``tsvector`` column (GIN index),
  ranked by ``ts_rank_cd``. The query is ``websearch_to_tsquery`` in English OR German, because
  every row is indexed in its own language (``language`` column) and the query must meet it in
  the same configuration; both halves are constants, so the planner can use the GIN index.
* **vectors**: cosine distance to the query's embedding over the HNSW index, only among vectors
  of the same embedding model, with pgvector's iterative scan so the ownership filter does not
  starve the result (see ``personas.selectors.narratives``). Hits below ``min_similarity``
  are dropped: the nearest neighbours of a query always exist, relevant or not.

Reciprocal rank fusion (RRF, k = 60) adds ``1 / (k + rank)`` over the lists a row appears in,
so a row found by both ranks above one found by either alone, without comparing a ``ts_rank``
with a cosine distance. Conversations have only a title, and no embedding: full text only.

Snippets come from ``ts_headline`` (computed for the few final hits only). The highlight
markers are private-use characters removed from the source text first, so after the snippet is
HTML-escaped they are the only places that become ``<mark>`` … ``</mark>``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, Func, QuerySet, TextField, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from pgvector.django import CosineDistance

from chat.models import Artifact, Conversation, Message
from chat.models import SearchQuery as SearchLog
from personai import fulltext
from personas.models import Narrative
from personas.selectors import narratives as narrative_selectors
from personas.selectors import subjects as subject_selectors

CONVERSATION = "conversation"
MESSAGE = "message"
ARTIFACT = "artifact"
NARRATIVE = "narrative"
TYPES = (CONVERSATION, MESSAGE, ARTIFACT, NARRATIVE)
TYPE_LABELS = {
    CONVERSATION: "Conversations",
    MESSAGE: "Messages",
    ARTIFACT: "Artifacts",
    NARRATIVE: "Narratives",
}
VECTOR_TYPES = (MESSAGE, ARTIFACT, NARRATIVE)

RRF_K = 60
MAX_QUERY_CHARS = 500
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
RECENT_LIMIT = 10
# Cosine similarity below which a vector hit is noise (all-MiniLM-L6-v2: unrelated sentences
# score about 0–0.2, paraphrases 0.5 and more). SEARCH_MIN_SIMILARITY overrides it.
DEFAULT_MIN_SIMILARITY = 0.3

_START = "\ue000"  # highlight markers: private-use characters, stripped from the text first
_STOP = "\ue001"
_LT = "\ue002"  # stand-ins for < and > inside ts_headline (see _strip_markers)
_GT = "\ue003"
_HEADLINE_OPTIONS = {"max_words": 30, "min_words": 12, "short_word": 2, "max_fragments": 2}


def min_similarity() -> float:
    return float(getattr(settings, "SEARCH_MIN_SIMILARITY", DEFAULT_MIN_SIMILARITY))


def candidates_for(limit: int) -> int:
    """How many candidates each list contributes to the fusion."""
    return min(max(2 * limit, 20), 100)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SearchHit:
    type: str
    id: UUID
    title: str
    snippet: SafeString  # HTML: escaped text with <mark> around the matches
    url: str
    score: float  # the RRF score
    fts_rank: int | None  # 1-based place in the full-text list, None when not in it
    vector_rank: int | None  # 1-based place in the vector list
    similarity: float | None  # cosine similarity to the query, when in the vector list
    created_at: datetime | None = None
    detail: str = ""  # e.g. "assistant · in “Trip planning”"


@dataclass
class SearchResults:
    query: str
    types: list[str]
    groups: dict[str, list[SearchHit]] = field(default_factory=dict)
    model: str = ""  # embedding model of the query ("" when the vector half did not run)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(hits) for hits in self.groups.values())

    def hits(self) -> list[SearchHit]:
        return [hit for hits in self.groups.values() for hit in hits]

    def grouped(self) -> list[tuple[str, str, list[SearchHit]]]:
        """(type, label, hits) in TYPES order, for templates."""
        return [(kind, TYPE_LABELS[kind], self.groups.get(kind, [])) for kind in self.types]


# --------------------------------------------------------------------------- the query


def text_query(text: str) -> SearchQuery:
    """websearch_to_tsquery in every configuration a row may be indexed in, OR-ed."""
    query = None
    for config in fulltext.CONFIGS.values():
        part = SearchQuery(text, search_type="websearch", config=config)
        query = part if query is None else query | part
    return query


def lexeme_count(text: str, language: str) -> int:
    """How many searchable words ``text`` has in ``language`` (0: only stop words or no words)."""
    config = fulltext.CONFIGS.get(language, fulltext.CONFIGS[fulltext.DEFAULT_LANGUAGE])
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [config, text])
        return int(cursor.fetchone()[0])


# --------------------------------------------------------------------------- visibility


def _owned_conversations(user) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=user)


def _searchable_messages(user) -> QuerySet[Message]:
    # conversation_id IN (subquery) rather than a join: the filter is applied to rows the GIN or
    # HNSW index hands out, and the hashed subplan is read once.
    return Message.objects.filter(
        conversation_id__in=_owned_conversations(user).values("pk"),
        role__in=[Message.Role.USER, Message.Role.ASSISTANT],
    )


def _searchable_artifacts(user) -> QuerySet[Artifact]:
    return Artifact.objects.filter(owner=user).exclude(status=Artifact.Status.FAILED)


def _searchable_narratives(user) -> QuerySet[Narrative]:
    return Narrative.objects.filter(subject_id__in=subject_selectors.subjects_visible_to(user).values("pk"))


def visible(user, kind: str) -> QuerySet:
    if not user.is_authenticated:
        return {CONVERSATION: Conversation, MESSAGE: Message, ARTIFACT: Artifact, NARRATIVE: Narrative}[
            kind
        ].objects.none()
    return {
        CONVERSATION: _owned_conversations,
        MESSAGE: _searchable_messages,
        ARTIFACT: _searchable_artifacts,
        NARRATIVE: _searchable_narratives,
    }[kind](user)


# --------------------------------------------------------------------------- candidate lists


def fulltext_queryset(user, kind: str, text: str, n: int) -> QuerySet:
    """The top-``n`` ids by ts_rank_cd (GIN index ``idx_<table>_fts``)."""
    query = text_query(text)
    return (
        visible(user, kind)
        .filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query, cover_density=True))
        .order_by("-rank", "pk")
        .values_list("pk", "rank")[:n]
    )


def vector_queryset(user, kind: str, vector: Sequence[float], model: str, n: int) -> QuerySet:
    """The top-``n`` ids by cosine distance (HNSW index); run inside ``search_session``."""
    return (
        visible(user, kind)
        .filter(embedding__isnull=False, embedding_model=model)
        .annotate(distance=CosineDistance("embedding", list(vector)))
        .order_by("distance")
        .values_list("pk", "distance")[:n]
    )


def fulltext_ranking(user, kind: str, text: str, n: int) -> list[UUID]:
    return [pk for pk, _ in fulltext_queryset(user, kind, text, n)]


def vector_ranking(
    user, kind: str, vector: Sequence[float], model: str, n: int, *, threshold: float
) -> list[tuple[UUID, float]]:
    """(id, similarity) nearest first, only at or above ``threshold``."""
    with narrative_selectors.search_session(n):
        rows = list(vector_queryset(user, kind, vector, model, n))
    rows.sort(key=lambda row: row[1])  # the iterative scan's relaxed order: put it back in order
    return [(pk, 1.0 - float(distance)) for pk, distance in rows if 1.0 - float(distance) >= threshold]


def fuse(rankings: Iterable[Sequence[UUID]], *, k: int = RRF_K) -> list[tuple[UUID, float]]:
    """Reciprocal rank fusion: (id, score) best first; ties keep the order of first appearance."""
    scores: dict[UUID, float] = {}
    for ranking in rankings:
        for place, pk in enumerate(ranking, start=1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (k + place)
    return sorted(scores.items(), key=lambda item: -item[1])


# --------------------------------------------------------------------------- snippets


def _strip_markers(expression):
    """The text for ts_headline: our markers removed, and ``<`` ``>`` swapped for private-use
    stand-ins (restored by :func:`snippet_html`): the parser would take ``<words like these>``
    for an HTML tag and drop them from the snippet (the index sees them: fulltext.without_tags)."""
    return Func(
        expression,
        Value("<>" + _START + _STOP + _LT + _GT),
        Value(_LT + _GT),
        function="translate",
        output_field=TextField(),
    )


def _headline(expression, text: str):
    """ts_headline in the row's own configuration."""
    query = text_query(text)
    by_config = {
        language: SearchHeadline(
            _strip_markers(expression),
            query,
            config=config,
            start_sel=_START,
            stop_sel=_STOP,
            **_HEADLINE_OPTIONS,
        )
        for language, config in fulltext.CONFIGS.items()
    }
    return Case(
        When(language="de", then=by_config["de"]),
        default=by_config[fulltext.DEFAULT_LANGUAGE],
    )


def snippet_html(headline: str | None) -> SafeString:
    """Escape everything, then turn only the highlight markers into <mark>."""
    escaped = html.escape(" ".join((headline or "").split()))
    for private, html_text in ((_START, "<mark>"), (_STOP, "</mark>"), (_LT, "&lt;"), (_GT, "&gt;")):
        escaped = escaped.replace(private, html_text)
    return mark_safe(escaped)  # noqa: S308 - escaped above


def _conversation_url(conversation_id) -> str:
    return reverse("chat:conversation", args=[conversation_id])


def _load(kind: str, ids: list[UUID], text: str) -> dict[UUID, dict]:
    """Title, snippet, url, created_at and a detail line of each hit, in one query per type."""
    if not ids:
        return {}
    found: dict[UUID, dict] = {}
    if kind == CONVERSATION:
        rows = Conversation.objects.filter(pk__in=ids).annotate(headline=_headline(F("title"), text))
        for row in rows.only("id", "title", "created_at", "language"):
            found[row.pk] = {
                "title": row.title or "Untitled conversation",
                "snippet": snippet_html(row.headline),
                "url": _conversation_url(row.pk),
                "created_at": row.created_at,
                "detail": "Conversation",
            }
    elif kind == MESSAGE:
        rows = (
            Message.objects.filter(pk__in=ids)
            .select_related("conversation")
            .only(
                "id", "role", "persona", "created_at", "language", "conversation__id", "conversation__title"
            )
            .annotate(headline=_headline(F("content"), text))
        )
        for row in rows:
            title = row.conversation.title or "Untitled conversation"
            speaker = "You" if row.role == Message.Role.USER else (row.persona or "Assistant")
            found[row.pk] = {
                "title": title,
                "snippet": snippet_html(row.headline),
                "url": f"{_conversation_url(row.conversation_id)}#message-{row.pk}",
                "created_at": row.created_at,
                "detail": f"{speaker} in “{title}”",
            }
    elif kind == ARTIFACT:
        rows = (
            Artifact.objects.filter(pk__in=ids)
            .only("id", "artifact_type", "version", "filename", "conversation_id", "created_at", "language")
            .annotate(headline=_headline(F("generated_data"), text))
        )
        for row in rows:
            found[row.pk] = {
                "title": row.filename or f"{row.get_artifact_type_display()} v{row.version}",
                "snippet": snippet_html(row.headline),
                "url": _conversation_url(row.conversation_id) if row.conversation_id else "",
                "created_at": row.created_at,
                "detail": f"{row.get_artifact_type_display()}, version {row.version}",
            }
    elif kind == NARRATIVE:
        rows = (
            Narrative.objects.filter(pk__in=ids)
            .select_related("subject")
            .only("id", "narrative_type", "created_at", "language", "subject__id", "subject__display_name")
            .annotate(headline=_headline(Coalesce(NullIf(F("curated_text"), Value("")), F("raw_text")), text))
        )
        for row in rows:
            found[row.pk] = {
                "title": row.subject.display_name,
                "snippet": snippet_html(row.headline),
                "url": reverse("personas:narratives", args=[row.subject_id]),
                "created_at": row.created_at,
                "detail": f"{row.get_narrative_type_display()} about {row.subject.display_name}",
            }
    return found


# --------------------------------------------------------------------------- the search


def embed_query(text: str) -> tuple[list[float] | None, str, str]:
    """(vector, model, note): the vector is None (and the note says why) when the embedding
    model is unavailable; the search then runs on full text alone."""
    from personai import llm

    try:
        result = llm.embed([text])
    except llm.LLMError as exc:
        return (
            None,
            "",
            f"Meaning-based matching is unavailable right now ({exc}); showing word matches only.",
        )
    return result.vectors[0], result.model, ""


def hybrid_search(
    user,
    text: str,
    *,
    types: Sequence[str] = TYPES,
    limit: int = DEFAULT_LIMIT,
    vector: Sequence[float] | None = None,
    model: str = "",
    use_fulltext: bool = True,
    use_vectors: bool = True,
) -> SearchResults:
    """Search ``types`` for ``text`` (already validated) and return at most ``limit`` hits per
    type. ``vector``/``model`` give a precomputed query embedding; without them the query is
    embedded here. ``use_fulltext``/``use_vectors`` switch one half off (tests, benchmark)."""
    results = SearchResults(query=text, types=[kind for kind in TYPES if kind in types])
    n = candidates_for(limit)
    if use_vectors and vector is None and any(kind in VECTOR_TYPES for kind in results.types):
        vector, model, note = embed_query(text)
        if note:
            results.notes.append(note)
    results.model = model if vector is not None and use_vectors else ""
    threshold = min_similarity()
    for kind in results.types:
        text_ranked = fulltext_ranking(user, kind, text, n) if use_fulltext else []
        near: list[tuple[UUID, float]] = []
        if results.model and kind in VECTOR_TYPES:
            near = vector_ranking(user, kind, vector, model, n, threshold=threshold)
        fused = fuse([text_ranked, [pk for pk, _ in near]])[:limit]
        text_place = {pk: place for place, pk in enumerate(text_ranked, start=1)}
        vector_place = {pk: (place, sim) for place, (pk, sim) in enumerate(near, start=1)}
        loaded = _load(kind, [pk for pk, _ in fused], text)
        hits = []
        for pk, score in fused:
            row = loaded.get(pk)
            if row is None:  # deleted between the two queries
                continue
            place, similarity = vector_place.get(pk, (None, None))
            hits.append(
                SearchHit(
                    type=kind,
                    id=pk,
                    score=score,
                    fts_rank=text_place.get(pk),
                    vector_rank=place,
                    similarity=similarity,
                    **row,
                )
            )
        results.groups[kind] = hits
    return results


# --------------------------------------------------------------------------- the log


def recent_searches(user, *, limit: int = RECENT_LIMIT) -> QuerySet[SearchLog]:
    if not user.is_authenticated:
        return SearchLog.objects.none()
    return SearchLog.objects.filter(owner=user).order_by("-search_time", "-id")[:limit]


def search_log_for_user(user, search_id) -> SearchLog:
    """The user's logged search; raises SearchQuery.DoesNotExist otherwise (→ 404)."""
    if not user.is_authenticated:
        raise SearchLog.DoesNotExist
    return SearchLog.objects.get(pk=search_id, owner=user)
