"""Outbox handlers of the personas app: thin, idempotent, each calls one service.

Task types (enqueue them with ``personai.outbox.enqueue`` in the transaction that needs them):

* ``personas.rebuild_mindscape`` ``{"subject_id"}`` — after a run is scored, observations arrive
* ``personas.embed_narrative`` ``{"narrative_id"}`` — after a narrative is saved or re-embedded
* ``personas.generate_persona`` ``{"persona_id"}`` — a persona row in status ``generating``
"""

from __future__ import annotations

from personai.outbox import outbox_handler


@outbox_handler("personas.rebuild_mindscape")
def rebuild_mindscape(payload: dict) -> None:
    from personas.services import mindscapes

    mindscapes.mindscape_rebuild(subject_id=payload["subject_id"])


@outbox_handler("personas.embed_narrative")
def embed_narrative(payload: dict) -> None:
    from personas.services import narratives

    narratives.narrative_embed(narrative_id=payload["narrative_id"])


@outbox_handler("personas.generate_persona")
def generate_persona(payload: dict) -> None:
    from personas.services import personas

    personas.persona_generate(persona_id=payload["persona_id"])
