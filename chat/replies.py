"""The door for answering a conversation: views and the API send and retry messages here.

A persona conversation is answered by its persona (``chat.services``), a team conversation by
the agent team (``chat.team_services``, built on the persona's machinery). Both return a stream
that has written nothing but the user's message when it comes back; see ``chat.services`` for
the two steps and the errors raised before any byte is streamed.
"""

from __future__ import annotations

from chat import services, team_services
from chat.models import Conversation
from chat.services import ReplyStream


def message_send(*, conversation: Conversation, content: str, user) -> ReplyStream:
    """Validate, analyse and save the user's message, and prepare the reply."""
    if conversation.kind == Conversation.Kind.TEAM:
        return team_services.team_message_send(conversation=conversation, content=content, user=user)
    return services.persona_message_send(conversation=conversation, content=content, user=user)


def message_retry(*, conversation: Conversation, user) -> ReplyStream:
    """Answer the latest user message again (after the model was down or the reply broke)."""
    if conversation.kind == Conversation.Kind.TEAM:
        return team_services.team_message_retry(conversation=conversation, user=user)
    return services.persona_message_retry(conversation=conversation, user=user)
