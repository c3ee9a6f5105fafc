"""Outbox handlers of the chat app.

* ``chat.title_conversation`` ``{"conversation_id"}`` — after the first exchange: ask the LLM for
  a title (the deterministic fallback, the first words of the user's message, is already set).
"""

from __future__ import annotations

from personai.outbox import outbox_handler


@outbox_handler("chat.title_conversation")
def title_conversation(payload: dict) -> None:
    from chat import services

    services.conversation_title_generate(conversation_id=payload["conversation_id"])


@outbox_handler("chat.generate_artifact")
def generate_artifact(payload: dict) -> None:
    from chat import artifact_services

    artifact_services.artifact_generate(artifact_id=payload["artifact_id"])
