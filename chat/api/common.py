"""What the chat API modules share: tags, serializers of the wire shapes, loaders, errors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response

from chat import selectors, services
from chat.models import Conversation, Message

CONVERSATIONS = "chat"


class ChatErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.JSONField(required=False)

    class Meta:
        ref_name = "ChatError"


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ChatErrorSerializer, description=description)


NOT_FOUND = error_response("Not found, or not yours.")
BAD_REQUEST = error_response("Invalid input; `errors` says which field and why. Nothing is written.")
NOT_READY = error_response("The persona is not ready (still generating, failed, or deleted).")
LIMITED = error_response(
    "Too many messages (per-user rate) or today's token budget is used up; see the Retry-After header."
)


class ChatApiError(APIException):
    def __init__(self, exc: services.ChatError) -> None:
        self.status_code = exc.status_code
        super().__init__(detail=exc.detail)
        self.errors = exc.errors
        self.retry_after = exc.retry_after


def chat_error_response(exc: services.ChatError) -> Response:
    body: dict = {"detail": exc.detail}
    if exc.errors:
        body["errors"] = exc.errors
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return Response(body, status=exc.status_code, headers=headers)


def conversation_or_404(user, conversation_id) -> Conversation:
    try:
        return selectors.conversation_for_user(user, conversation_id)
    except Conversation.DoesNotExist:
        raise NotFound("There is no such conversation.") from None


def message_or_404(user, message_id) -> Message:
    try:
        return selectors.message_for_user(user, message_id)
    except Message.DoesNotExist:
        raise NotFound("There is no such message.") from None


class MessageSerializer(serializers.Serializer):
    """A message with every metadata column of seed 003 (and ours)."""

    id = serializers.UUIDField()
    conversation = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Message.Role.choices)
    content = serializers.CharField()
    html = serializers.CharField(help_text="`content` rendered as safe HTML (a small Markdown subset).")
    persona = serializers.CharField(allow_null=True, help_text="Name of the persona that answered.")
    tone = serializers.CharField(allow_null=True, help_text="casual | technical")
    behavior = serializers.CharField(allow_null=True, help_text="normal | cautious")
    context_type = serializers.CharField(
        allow_null=True, help_text="small_talk | about_me | advice | knowledge | emotional"
    )
    confidence = serializers.FloatField(allow_null=True, help_text="Legacy; equals signal_strength.")
    signal_strength = serializers.FloatField(
        allow_null=True, help_text="0–1: similarity to the nearest prototype."
    )
    context_clarity = serializers.IntegerField(
        allow_null=True, help_text="1 when the best class clearly won."
    )
    needs_knowledge = serializers.IntegerField(help_text="1 when narratives were retrieved for this message.")
    model_name = serializers.CharField(allow_null=True)
    prompt_tokens = serializers.IntegerField(allow_null=True)
    completion_tokens = serializers.IntegerField(allow_null=True)
    is_mistake = serializers.BooleanField()
    mistake_note = serializers.CharField(allow_null=True)
    is_incomplete = serializers.BooleanField(help_text="The reply was cut short (error, timeout or stop).")
    feedback = serializers.ChoiceField(choices=Message.Feedback.choices)
    care_note = serializers.CharField(help_text="Shown with replies on sensitive topics.")
    canary_leak = serializers.BooleanField(help_text="The reply leaked the system prompt and was replaced.")
    narratives = serializers.ListField(
        child=serializers.UUIDField(), help_text="Narratives retrieved for it."
    )
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ChatMessage"


class Unavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The persona could not answer right now. Your message is saved; try again."
