"""Chat test data: a user's own subject, a ready persona of it, a conversation."""

from __future__ import annotations

from assessments.services import subject_get_or_create_for_user
from chat import services
from chat.models import Conversation
from personas.models import Persona


def persona_for(
    user, *, status: str = "ready", name: str = "Ada", prompt: str | None = None, **extra
) -> Persona:
    subject = subject_get_or_create_for_user(user=user)
    return Persona.objects.create(
        subject=subject,
        status=status,
        name=name,
        persona_prompt=prompt if prompt is not None else f"You are {name}, a warm and thoughtful persona.",
        **extra,
    )


def conversation_for(user, persona: Persona | None = None, **extra) -> Conversation:
    return services.conversation_create(owner=user, persona=persona or persona_for(user), **extra)


def team_conversation_for(user, personas: list[Persona] | None = None, **extra) -> Conversation:
    from chat import team_services

    return team_services.team_conversation_create(
        owner=user, personas=personas or [persona_for(user)], **extra
    )
