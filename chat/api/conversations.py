"""API: conversations (CRUD)."""

from __future__ import annotations

import json

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services
from chat.api.common import BAD_REQUEST, CONVERSATIONS, NOT_FOUND, chat_error_response, conversation_or_404
from chat.models import Conversation
from personai.pagination import BoundedLimitOffsetPagination
from personas.models import Persona

MAX_CONTEXT_CHARS = 10_000


class ConversationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    persona = serializers.UUIDField(source="persona_id", allow_null=True)
    persona_name = serializers.SerializerMethodField()
    persona_status = serializers.SerializerMethodField()
    persona_expired = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    context = serializers.JSONField()
    message_count = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ChatConversation"

    def get_persona_name(self, obj) -> str | None:
        return obj.persona.name if obj.persona_id else None

    def get_persona_status(self, obj) -> str | None:
        return obj.persona.status if obj.persona_id else None

    def get_persona_expired(self, obj) -> bool:
        return bool(obj.persona_id and obj.persona.is_expired)

    def get_message_count(self, obj) -> int:
        count = getattr(obj, "message_count", None)
        return count if count is not None else obj.messages.count()


def _validate_context(value):
    if not isinstance(value, dict):
        raise serializers.ValidationError("Must be a JSON object.")
    if len(json.dumps(value)) > MAX_CONTEXT_CHARS:
        raise serializers.ValidationError(f"At most {MAX_CONTEXT_CHARS:,} characters of JSON.")
    return value


class ConversationCreateSerializer(serializers.Serializer):
    persona = serializers.UUIDField(help_text="One of your personas (of a subject you may see).")
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    context = serializers.JSONField(required=False, default=dict, validators=[_validate_context])


class ConversationUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False)
    ended = serializers.BooleanField(required=False, help_text="true ends the conversation (sets ended_at).")
    context = serializers.JSONField(required=False, validators=[_validate_context])


class ConversationListApi(APIView):
    pagination_class = BoundedLimitOffsetPagination  # also tells the schema the list is paginated

    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_conversations_list",
        summary="Your conversations",
        description="Newest activity first; only your own. Filter with `?persona=<id>`.",
        parameters=[OpenApiParameter("persona", str, description="Only conversations with this persona.")],
        responses={200: ConversationSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        persona = request.query_params.get("persona") or None
        if persona:
            try:
                serializers.UUIDField().to_internal_value(persona)
            except serializers.ValidationError:
                raise ValidationError({"persona": ["Must be a valid UUID."]}) from None
        conversations = selectors.conversations_for_user(request.user, persona_id=persona)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(conversations, request, view=self)
        return paginator.get_paginated_response(ConversationSerializer(page, many=True).data)

    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_conversations_create",
        summary="Start a conversation with a persona",
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer, 400: BAD_REQUEST},
    )
    def post(self, request: Request) -> Response:
        data = ConversationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            persona = selectors.persona_for_user(request.user, data.validated_data["persona"])
        except Persona.DoesNotExist:
            raise ValidationError({"persona": ["There is no such persona, or it is not yours."]}) from None
        conversation = services.conversation_create(
            owner=request.user,
            persona=persona,
            title=data.validated_data["title"],
            context=data.validated_data["context"],
        )
        return Response(ConversationSerializer(conversation).data, status=status.HTTP_201_CREATED)


class ConversationDetailApi(APIView):
    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_conversations_retrieve",
        summary="One conversation",
        responses={200: ConversationSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, conversation_id) -> Response:
        return Response(ConversationSerializer(conversation_or_404(request.user, conversation_id)).data)

    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_conversations_update",
        summary="Rename, end, or set the context of a conversation",
        request=ConversationUpdateSerializer,
        responses={200: ConversationSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def patch(self, request: Request, conversation_id) -> Response:
        conversation = conversation_or_404(request.user, conversation_id)
        data = ConversationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if "title" in values:
                services.conversation_rename(conversation=conversation, title=values["title"])
        except services.ChatError as exc:
            return chat_error_response(exc)
        if "context" in values:
            conversation.context = {**values["context"], **_reserved(conversation.context)}
            conversation.save(update_fields=["context", "updated_at"])
        if values.get("ended"):
            services.conversation_end(conversation=conversation)
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_conversations_destroy",
        summary="Delete a conversation and its messages",
        responses={204: None, 404: NOT_FOUND},
    )
    def delete(self, request: Request, conversation_id) -> Response:
        services.conversation_delete(conversation=conversation_or_404(request.user, conversation_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Keys the server maintains: a client's context never replaces them.
RESERVED_CONTEXT_KEYS = ("title_source", "team", "team_personas")


def _reserved(context: dict) -> dict:
    return {key: value for key, value in context.items() if key in RESERVED_CONTEXT_KEYS}


urlpatterns = [
    path("conversations/", ConversationListApi.as_view(), name="chat-conversations"),
    path("conversations/<uuid:conversation_id>/", ConversationDetailApi.as_view(), name="chat-conversation"),
]

__all__ = ["Conversation", "urlpatterns"]
