"""Full-text search columns in the row's language.

Every searchable table stores a ``language`` code ('en' or 'de') and a generated, stored
``tsvector`` built with the matching text-search configuration. A generated column's expression
must be IMMUTABLE, so the configuration is an explicit ``regconfig`` constant in each branch of a
CASE (``to_tsvector('german'::regconfig, ...)``), never looked up from a column or a setting.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Case, F, Func, TextField, Value, When

# Language code → PostgreSQL text-search configuration. 'en' is the fallback for anything else.
CONFIGS = {"en": "english", "de": "german"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_CHOICES = [("en", "English"), ("de", "Deutsch")]


def language_for_locale(locale: str | None) -> str:
    """'de', 'de-CH', 'de_AT' → 'de'; anything we have no configuration for → 'en'."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in CONFIGS else DEFAULT_LANGUAGE


def without_tags(expression):
    """The text with ``<`` and ``>`` replaced by ``‹`` and ``›``: PostgreSQL's parser takes
    ``<anything like this>`` for an HTML tag and indexes none of its words."""
    if isinstance(expression, str):
        expression = F(expression)
    return Func(expression, Value("<>"), Value("‹›"), function="translate", output_field=TextField())


def _vector(config: str, weighted_fields: tuple[tuple[str, str], ...]):
    vector = None
    for field, weight in weighted_fields:
        # SearchVector already wraps the column in COALESCE(..., '').
        part = SearchVector(without_tags(field), config=config, weight=weight)
        vector = part if vector is None else vector + part
    return vector


def localized_search_vector(*weighted_fields: tuple[str, str]) -> Case:
    """The generated column's expression: ``weighted_fields`` are (field name, weight A–D)."""
    return Case(
        When(language="de", then=_vector(CONFIGS["de"], weighted_fields)),
        default=_vector(CONFIGS["en"], weighted_fields),
        output_field=SearchVectorField(),
    )


def language_field() -> models.CharField:
    return models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default=DEFAULT_LANGUAGE)


def search_vector_field(*weighted_fields: tuple[str, str]) -> models.GeneratedField:
    return models.GeneratedField(
        expression=localized_search_vector(*weighted_fields),
        output_field=SearchVectorField(),
        db_persist=True,
    )
