"""Search writes: run a search and log it (``SearchQuery``); delete logged searches.

Input limits (the API answers a breach with 400 naming the field; the page shows the reason;
nothing is logged):

* ``q``: 1–MAX_QUERY_CHARS characters after trimming, with at least one word that is not a stop
  word in the caller's language (``the of and`` has nothing the full-text index keeps).
* ``types``: a subset of conversation, message, artifact, narrative (default: all).
* ``limit``: 1–MAX_LIMIT hits per type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from chat.models import SearchQuery
from chat.search import selectors
from chat.search.selectors import MAX_LIMIT, MAX_QUERY_CHARS, TYPES, SearchResults
from personai import fulltext
from personai.validation import text_problem


class SearchInvalid(Exception):  # noqa: N818 - reads as "the search is invalid"
    """``errors`` maps a field (q, types, limit) to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CleanSearch:
    text: str
    types: list[str]
    limit: int


def parse_types(value: str | Iterable[str] | None) -> list[str]:
    """'message,artifact' or ['message', 'artifact'] → the types in TYPES order; raises on unknown."""
    if value is None:
        return list(TYPES)
    parts = [value] if isinstance(value, str) else list(value)
    names = [name.strip().lower() for part in parts for name in str(part).split(",") if name.strip()]
    if not names:
        raise SearchInvalid({"types": [f"Give one or more of: {', '.join(TYPES)} (comma-separated)."]})
    unknown = sorted({name for name in names if name not in TYPES})
    if unknown:
        raise SearchInvalid(
            {
                "types": [
                    f"Unknown type {', '.join(map(repr, unknown))}: use one or more of {', '.join(TYPES)}."
                ]
            }
        )
    return [kind for kind in TYPES if kind in names]


def search_clean(
    *, query, types: str | Iterable[str] | None = None, limit=selectors.DEFAULT_LIMIT, language: str = "en"
) -> CleanSearch:
    errors: dict[str, list[str]] = {}
    text = query.strip() if isinstance(query, str) else ""
    if not isinstance(query, str):
        errors["q"] = ["Must be a string."]
    elif not text:
        errors["q"] = ["Type something to search for."]
    elif len(text) > MAX_QUERY_CHARS:
        errors["q"] = [f"At most {MAX_QUERY_CHARS} characters (this one has {len(text):,})."]
    elif problem := text_problem(text):
        errors["q"] = [f"The query {problem}."]
    try:
        kinds = parse_types(types)
    except SearchInvalid as exc:
        errors.update(exc.errors)
        kinds = []
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = [f"Must be a whole number from 1 to {MAX_LIMIT}."]
    if "q" not in errors and selectors.lexeme_count(text, fulltext.language_for_locale(language)) == 0:
        errors["q"] = [
            f"“{text[:80]}” has only very common words (stop words) or no words at all, which the "
            "search ignores: add a more specific word."
        ]
    if errors:
        raise SearchInvalid(errors)
    return CleanSearch(text=text, types=kinds, limit=limit)


def results_log(results: SearchResults) -> dict:
    """What the log keeps of a search: the hits' types, ids and scores (not their text)."""
    return {
        "types": results.types,
        "model": results.model,
        "total": results.total,
        "hits": [
            {
                "type": hit.type,
                "id": str(hit.id),
                "score": round(hit.score, 6),
                "fts_rank": hit.fts_rank,
                "vector_rank": hit.vector_rank,
                "similarity": None if hit.similarity is None else round(hit.similarity, 4),
            }
            for hit in results.hits()
        ],
    }


def search_run(
    *,
    user,
    query,
    types: str | Iterable[str] | None = None,
    limit=selectors.DEFAULT_LIMIT,
    language: str = "en",
) -> tuple[SearchQuery, SearchResults]:
    """Validate, search what ``user`` may see, and log the search with its results.

    Raises SearchInvalid (nothing logged). The query is embedded before any transaction opens
    (it may take a while); the log row is written once the results are known."""
    clean = search_clean(query=query, types=types, limit=limit, language=language)
    results = selectors.hybrid_search(user, clean.text, types=clean.types, limit=clean.limit)
    with transaction.atomic():
        logged = SearchQuery.objects.create(owner=user, query_text=clean.text, results=results_log(results))
    return logged, results


@transaction.atomic
def search_log_delete(*, search: SearchQuery) -> None:
    SearchQuery.objects.filter(pk=search.pk).delete()


@transaction.atomic
def search_log_clear(*, user) -> int:
    """Delete every logged search of ``user``; returns how many."""
    deleted, _ = SearchQuery.objects.filter(owner=user).delete()
    return deleted
