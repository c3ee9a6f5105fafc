"""Chat reads. Conversations are private to their owner (staff included: a 404 for others)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from chat.models import Artifact, Conversation, Message
from personas.models import Persona
from personas.selectors.subjects import subjects_visible_to

PAGE_SIZE = 50


def conversations_for_user(user, *, persona_id=None) -> QuerySet[Conversation]:
    if not user.is_authenticated:
        return Conversation.objects.none()
    conversations = Conversation.objects.filter(owner=user).select_related("persona")
    if persona_id:
        conversations = conversations.filter(persona_id=persona_id)
    return conversations.annotate(message_count=Count("messages")).order_by("-updated_at", "-id")


def conversation_for_user(user, conversation_id) -> Conversation:
    """The user's conversation; raises Conversation.DoesNotExist otherwise (→ 404)."""
    if not user.is_authenticated:
        raise Conversation.DoesNotExist
    return Conversation.objects.select_related("persona", "persona__subject").get(
        pk=conversation_id, owner=user
    )


def personas_for_user(user) -> QuerySet[Persona]:
    """Personas the user may chat with: those of subjects they may see (ready or not)."""
    return (
        Persona.objects.filter(subject__in=subjects_visible_to(user))
        .select_related("subject")
        .order_by("-created_at")
    )


def persona_for_user(user, persona_id) -> Persona:
    return personas_for_user(user).get(pk=persona_id)


def message_for_user(user, message_id) -> Message:
    if not user.is_authenticated:
        raise Message.DoesNotExist
    return Message.objects.select_related("conversation").get(pk=message_id, conversation__owner=user)


def messages_page(
    conversation: Conversation, *, before=None, limit: int = PAGE_SIZE
) -> tuple[list[Message], bool]:
    """The latest ``limit`` messages (before message ``before`` if given), oldest first, and
    whether earlier ones exist."""
    messages = conversation.messages.order_by("-created_at", "-id")
    if before is not None:
        messages = messages.filter(
            Q(created_at__lt=before.created_at) | Q(created_at=before.created_at, id__lt=before.id)
        )
    page = list(messages[: limit + 1])
    more = len(page) > limit
    return list(reversed(page[:limit])), more


def mistakes(*, persona_id=None, owner_id=None, since=None, until=None, q: str = "") -> QuerySet[Message]:
    """Messages marked as mistakes, newest first (staff report)."""
    found = Message.objects.filter(is_mistake=True).select_related("conversation", "conversation__owner")
    if persona_id:
        found = found.filter(conversation__persona_id=persona_id)
    if owner_id:
        found = found.filter(conversation__owner_id=owner_id)
    if since:
        found = found.filter(created_at__gte=since)
    if until:
        found = found.filter(created_at__lt=until)
    if q:
        found = found.filter(Q(content__icontains=q) | Q(mistake_note__icontains=q))
    return found.order_by("-created_at", "-id")


def artifacts_for_user(user, *, conversation_id=None, artifact_type=None) -> QuerySet[Artifact]:
    """The user's artifacts, newest first, with their conversation."""
    if not user.is_authenticated:
        return Artifact.objects.none()
    found = Artifact.objects.filter(owner=user).select_related("conversation")
    if conversation_id:
        found = found.filter(conversation_id=conversation_id)
    if artifact_type:
        found = found.filter(artifact_type=artifact_type)
    return found.order_by("-created_at", "-id")


def artifact_for_user(user, artifact_id) -> Artifact:
    """The user's artifact; raises Artifact.DoesNotExist otherwise (→ 404)."""
    if not user.is_authenticated:
        raise Artifact.DoesNotExist
    return Artifact.objects.select_related("conversation").get(pk=artifact_id, owner=user)


def artifact_versions(artifact: Artifact) -> QuerySet[Artifact]:
    """Every version of the artifact's type from the same conversation, oldest first (without
    the large text columns)."""
    return (
        Artifact.objects.filter(
            owner_id=artifact.owner_id,
            conversation_id=artifact.conversation_id,
            artifact_type=artifact.artifact_type,
        )
        .defer("generated_data", "structured_data")
        .order_by("version")
    )


def artifact_version(artifact: Artifact, version: int) -> Artifact:
    return Artifact.objects.get(
        owner_id=artifact.owner_id,
        conversation_id=artifact.conversation_id,
        artifact_type=artifact.artifact_type,
        version=version,
    )


def latest_artifacts(conversation: Conversation) -> list[Artifact]:
    """The latest version of each artifact type of a conversation (one query)."""
    return list(
        Artifact.objects.filter(conversation=conversation)
        .defer("generated_data", "structured_data")
        .order_by("artifact_type", "-version")
        .distinct("artifact_type")
    )


def team_conversation_for_user(user, conversation_id) -> Conversation:
    conversation = conversation_for_user(user, conversation_id)
    if conversation.kind != Conversation.Kind.TEAM:
        raise Conversation.DoesNotExist
    return conversation
