"""A large search corpus generated inside PostgreSQL (``INSERT … SELECT generate_series``).

Text is 12 words drawn from a VOCABULARY_SIZE-word vocabulary (``word0`` … ``word399``), with
RARE in every 100th row; vectors are random unit vectors (``l2_normalize`` of uniform noise),
HNSW's worst case. ``setseed`` makes a run repeatable. Columns the caller does not give take
the model field's default (so a new column with a Python default does not break this); no
signals run, so nothing is enqueued in the outbox. Used by ``bench/bench_search.py`` and
``tests/chat/test_search_indexes.py``.
"""

from __future__ import annotations

from django.db import connection

VOCABULARY_SIZE = 400
RARE = "zeppelin"
MODEL = "bench-random"


def sentence_sql(row: str = "g") -> str:
    """12 random words (RARE in place of the third when ``row`` % 100 = 0)."""
    return (
        f"(SELECT string_agg(CASE WHEN w = 3 AND {row} %% 100 = 0 THEN '{RARE}' "
        f"ELSE 'word' || floor(random() * {VOCABULARY_SIZE})::int END, ' ') "
        f"FROM generate_series(1, 12) w WHERE {row} > 0)"
    )


def vector_sql(dimensions: int, row: str = "g") -> str:
    return (
        f"l2_normalize((SELECT array_agg(random() - 0.5) FROM generate_series(1, {dimensions}) d "
        f"WHERE {row} > 0)::vector({dimensions}))"
    )


def insert_rows(
    model, count: int, explicit: dict[str, tuple[str, list]], *, source: str = "", source_params=()
) -> None:
    """Insert ``count`` rows of ``model``: ``explicit`` maps column → (SQL expression over the
    row number ``g``, its parameters); every other column gets the field's default (NULL when
    nullable without one). ``source`` is joined to ``generate_series(1, count) g`` in the FROM."""
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if getattr(field, "generated", False):
            continue
        if field.column in explicit:
            expression, expression_params = explicit[field.column]
            columns.append(field.column)
            expressions.append(expression)
            params.extend(expression_params)
            continue
        if field.primary_key:
            columns.append(field.column)
            expressions.append("gen_random_uuid()")
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns.append(field.column)
            expressions.append("now()")
            continue
        default = field.get_default()
        if default is None and field.null:
            continue
        columns.append(field.column)
        expressions.append("%s")
        params.append(field.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM generate_series(1, {int(count)}) g"
        + (f", {source}" if source else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *source_params])


def seed(value: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [value])


def generate(
    *,
    owner,
    subject,
    conversations: int,
    messages: int,
    artifacts: int,
    narratives: int,
    dimensions: int,
    co_owners=(),
) -> None:
    """``conversations`` of ``owner`` (and as many of each of ``co_owners``, interleaved), with
    ``messages`` spread over all of ``owner``'s conversations (round robin), ``artifacts`` of
    ``owner`` (round robin over the conversations) and ``narratives`` of ``subject``."""
    from chat.models import Artifact, Conversation, Message
    from personas.models import Narrative

    owners = [owner, *co_owners]
    if conversations:
        # Interleaved with the co-owners' conversations, as rows of many users are in a live table.
        insert_rows(
            Conversation,
            conversations * len(owners),
            {
                "owner_id": ("(%s::uuid[])[1 + g %% %s]", [[str(o.pk) for o in owners], len(owners)]),
                "title": (sentence_sql(), []),
            },
        )
    # The owner's conversation ids, read once; row g goes to conversation g mod their number.
    owned = "(SELECT array_agg(id ORDER BY id) AS ids FROM chat_conversation WHERE owner_id = %s) c"
    conversation_of = ("c.ids[1 + g %% cardinality(c.ids)]", [])
    insert_rows(
        Message,
        messages,
        {
            "conversation_id": conversation_of,
            "role": ("CASE WHEN g %% 2 = 0 THEN 'user' ELSE 'assistant' END", []),
            "content": (sentence_sql(), []),
            "embedding": (vector_sql(dimensions), []),
            "embedding_model": ("%s", [MODEL]),
        },
        source=owned,
        source_params=[owner.pk],
    )
    if artifacts:
        insert_rows(
            Artifact,
            artifacts,
            {
                "owner_id": ("%s", [owner.pk]),
                "conversation_id": conversation_of,
                "artifact_type": ("'prd'", []),
                "version": ("1 + g / %s", [conversations]),  # unique per (conversation, type)
                "filename": ("'prd-' || g || '.md'", []),
                "generated_data": (sentence_sql(), []),
                "status": ("'ready'", []),
                "embedding": (vector_sql(dimensions), []),
                "embedding_model": ("%s", [MODEL]),
            },
            source=owned,
            source_params=[owner.pk],
        )
    if narratives and subject is not None:
        insert_rows(
            Narrative,
            narratives,
            {
                "subject_id": ("%s", [subject.pk]),
                "narrative_type": ("'self_observation'", []),
                "raw_text": (sentence_sql(), []),
                "embedding": (vector_sql(dimensions), []),
                "embedding_model": ("%s", [MODEL]),
            },
        )


def analyze() -> None:
    """VACUUM ANALYZE: fresh statistics, and the GIN indexes' pending lists merged (a bulk insert
    leaves its entries there, which makes the planner price the index high until autovacuum runs).
    Must run outside a transaction."""
    with connection.cursor() as cursor:
        for table in (
            "chat_conversation",
            "chat_message",
            "chat_artifact",
            "personas_narrative",
            "assessments_subjectprofile",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
