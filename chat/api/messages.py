"""API: messages of a conversation (list with a cursor, send — JSON or a Server-Sent Events
stream), mistake marks and thumbs, and the staff list of mistakes (JSON or CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from asgiref.sync import sync_to_async
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from chat import replies, selectors, services
from chat.api.common import (
    BAD_REQUEST,
    CONVERSATIONS,
    LIMITED,
    NOT_FOUND,
    NOT_READY,
    MessageSerializer,
    chat_error_response,
    conversation_or_404,
    error_response,
    message_or_404,
)
from chat.streaming import message_data, release_connections, streaming_response
from personai.pagination import BoundedLimitOffsetPagination

STREAM_DESCRIPTION = (
    "Saves your message (with its analysis: context type, signal strength, clarity, knowledge "
    "need, tone, behaviour) before the persona is asked, then answers.\n\n"
    "- `Accept: application/json` (default): waits for the whole reply; 201 with both messages. "
    "A reply cut short (model failure, time limit) is saved with `is_incomplete` and `error` says why; "
    'when the model is down and nothing arrived, 503 (your message is kept: send `{"retry": true}`).\n'
    "- `Accept: text/event-stream`: Server-Sent Events — `start` (`user_message`), `token` "
    "(`text`, in order), then `done` (`message`) or `error` (`detail`, partial `message` or null). "
    "Closing the connection stops the reply; what arrived is saved as incomplete.\n\n"
    "Limits: `content` 1–4,000 characters (400); the persona must be ready (409); per-user rate and "
    "daily token budget (429 with Retry-After)."
)


class MessageCreateSerializer(serializers.Serializer):
    content = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Your message, 1–4,000 characters."
    )
    retry = serializers.BooleanField(
        required=False, default=False, help_text="Answer the latest message again instead (after a failure)."
    )


class ExchangeSerializer(serializers.Serializer):
    user_message = MessageSerializer()
    message = MessageSerializer(allow_null=True)
    messages = MessageSerializer(
        many=True, required=False, help_text="Team conversations: every role's reply, in turn order."
    )
    error = serializers.CharField(allow_null=True)


class MistakeSerializer(serializers.Serializer):
    is_mistake = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class FeedbackSerializer(serializers.Serializer):
    feedback = serializers.ChoiceField(choices=["up", "down", "none"])


class MessageCursorPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


def _start(user, conversation, data: dict) -> services.ReplyStream:
    if data.get("retry"):
        return replies.message_retry(conversation=conversation, user=user)
    return replies.message_send(conversation=conversation, content=data.get("content", ""), user=user)


class ConversationMessagesApi(APIView):
    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_messages_list",
        summary="Messages of a conversation, newest first (cursor pagination)",
        description="Every metadata column of each message. Follow `next` for older messages.",
        parameters=[
            OpenApiParameter("cursor", str, description="The `next`/`previous` cursor."),
            OpenApiParameter("page_size", int, description="1–200 (default 50)."),
        ],
        responses={200: MessageSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, conversation_id) -> Response:
        conversation = conversation_or_404(request.user, conversation_id)
        paginator = MessageCursorPagination()
        try:
            page = paginator.paginate_queryset(conversation.messages.all(), request, view=self)
        except exceptions.NotFound as exc:  # a malformed cursor
            raise exceptions.ValidationError({"cursor": [str(exc.detail)]}) from None
        return paginator.get_paginated_response([message_data(m) for m in page])

    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_messages_create",
        summary="Send a message and get the persona's reply (JSON, or streamed with Accept: text/event-stream)",
        description=STREAM_DESCRIPTION,
        request=MessageCreateSerializer,
        responses={
            201: ExchangeSerializer,
            (200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, description="Server-Sent Events."),
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: NOT_READY,
            429: LIMITED,
            503: error_response("The model is unavailable; your message is kept."),
        },
    )
    def post(self, request: Request, conversation_id) -> Response:
        conversation = conversation_or_404(request.user, conversation_id)
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reply = _start(request.user, conversation, data.validated_data)
        except services.ChatError as exc:
            return chat_error_response(exc)
        message, error = services.reply_collect(reply)
        if message is None:
            return Response(
                {
                    "detail": error or "The persona could not answer.",
                    "user_message": message_data(reply.user_message),
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        body = {
            "user_message": message_data(reply.user_message),
            "message": message_data(message),
            "error": error,
        }
        if hasattr(reply, "messages"):  # a team conversation: every role's reply
            body["messages"] = [message_data(m) for m in reply.messages]
        return Response(body, status=status.HTTP_201_CREATED)


_messages_api = ConversationMessagesApi.as_view()


def _api_request(request) -> Request:
    """DRF's authentication (API key or session with CSRF) and JSON parsing, for the async view."""
    view = ConversationMessagesApi()
    return Request(
        request,
        parsers=[parser() for parser in api_settings.DEFAULT_PARSER_CLASSES],
        authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES],
        negotiator=view.get_content_negotiator(),
    )


def _stream_start(request, conversation_id):
    try:
        return _stream_start_checked(request, conversation_id)
    finally:
        release_connections()  # not held for the life of the stream


def _stream_start_checked(request, conversation_id):
    api_request = _api_request(request)
    try:
        user = api_request.user
        if not user or not user.is_authenticated:
            return None, JsonResponse({"detail": "Authentication credentials were not provided."}, status=403)
        conversation = conversation_or_404(user, conversation_id)
        data = MessageCreateSerializer(data=api_request.data)
        if not data.is_valid():
            return None, JsonResponse(
                {"detail": "Some fields are invalid.", "errors": data.errors}, status=400
            )
        return _start(user, conversation, data.validated_data), None
    except exceptions.APIException as exc:
        return None, JsonResponse({"detail": str(exc.detail)}, status=exc.status_code)
    except services.ChatError as exc:
        body = {"detail": exc.detail, **({"errors": exc.errors} if exc.errors else {})}
        response = JsonResponse(body, status=exc.status_code)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return None, response


@csrf_exempt  # DRF's SessionAuthentication enforces CSRF for session users; API keys need none
async def conversation_messages(request, conversation_id):
    """POST with ``Accept: text/event-stream`` streams (async); everything else is the DRF view."""
    if request.method == "POST" and "text/event-stream" in request.headers.get("Accept", ""):
        reply, error = await sync_to_async(_stream_start)(request, conversation_id)
        if error is not None:
            return error
        return streaming_response(request, reply)
    return await sync_to_async(_messages_api)(request, conversation_id=conversation_id)


# drf-spectacular finds the API view (and its schema) through these, as for ``as_view()``.
conversation_messages.cls = ConversationMessagesApi
conversation_messages.initkwargs = {}


class MessageMistakeApi(APIView):
    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_message_mistake",
        summary="Mark a message as a mistake (with a note), or clear the mark",
        request=MistakeSerializer,
        responses={200: MessageSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def post(self, request: Request, message_id) -> Response:
        message = message_or_404(request.user, message_id)
        data = MistakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.message_mark_mistake(
            message=message, is_mistake=data.validated_data["is_mistake"], note=data.validated_data["note"]
        )
        return Response(message_data(message))


class MessageFeedbackApi(APIView):
    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_message_feedback",
        summary="Thumbs up or down on a message (`none` clears it)",
        request=FeedbackSerializer,
        responses={200: MessageSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def post(self, request: Request, message_id) -> Response:
        message = message_or_404(request.user, message_id)
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.message_set_feedback(message=message, feedback=data.validated_data["feedback"])
        return Response(message_data(message))


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data).encode()


class MistakeFilterSerializer(serializers.Serializer):
    persona = serializers.UUIDField(required=False)
    owner = serializers.UUIDField(required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=200)
    download = serializers.ChoiceField(choices=["csv"], required=False)


class MistakeRowSerializer(serializers.Serializer):
    message = MessageSerializer()
    owner = serializers.CharField()
    conversation_title = serializers.CharField()


CSV_COLUMNS = [
    "created_at", "message_id", "conversation_id", "conversation_title", "owner", "persona", "role",
    "content", "mistake_note", "context_type", "tone", "behavior", "signal_strength", "context_clarity",
    "needs_knowledge", "model_name", "prompt_tokens", "completion_tokens", "is_incomplete", "feedback",
]  # fmt: skip


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start with these as formulas.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(messages) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for m in messages.iterator(chunk_size=500):
        writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    m.created_at.isoformat(), m.pk, m.conversation_id, m.conversation.title,
                    m.conversation.owner.get_username(), m.persona, m.role, m.content, m.mistake_note,
                    m.context_type, m.tone, m.behavior, m.signal_strength, m.context_clarity,
                    m.needs_knowledge, m.model_name, m.prompt_tokens, m.completion_tokens,
                    m.is_incomplete, m.feedback,
                )
            ]
        )  # fmt: skip
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


class MistakeListApi(APIView):
    permission_classes = [IsAdminUser]
    pagination_class = BoundedLimitOffsetPagination  # also tells the schema the list is paginated
    renderer_classes = [JSONRenderer, CsvRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON even when the client asked for CSV.
        if response.status_code >= 400 and isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        tags=[CONVERSATIONS],
        operation_id="chat_mistakes_list",
        summary="Messages marked as mistakes (staff): JSON, or CSV with ?download=csv",
        parameters=[
            OpenApiParameter("persona", str, description="Persona id."),
            OpenApiParameter("owner", str, description="User id of the conversation's owner."),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Created at or after (ISO 8601)."),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Created before (ISO 8601)."),
            OpenApiParameter("q", str, description="Text in the message or the note."),
            OpenApiParameter(
                "download", str, enum=["csv"], description="`csv` for a CSV file of every match."
            ),
        ],
        responses={
            200: MistakeRowSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every match as CSV (UTF-8)."),
            400: BAD_REQUEST,
            403: error_response("Staff only."),
        },
    )
    def get(self, request: Request):
        filters = MistakeFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = dict(filters.validated_data)
        download = values.pop("download", None)
        found = selectors.mistakes(
            persona_id=values.get("persona"),
            owner_id=values.get("owner"),
            since=values.get("since"),
            until=values.get("until"),
            q=values.get("q", ""),
        )
        if download == "csv":
            response = StreamingHttpResponse(_csv_rows(found), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="chat-mistakes.csv"'
            return response
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(found, request, view=self)
        rows = [
            {
                "message": message_data(m),
                "owner": m.conversation.owner.get_username(),
                "conversation_title": m.conversation.title,
            }
            for m in page
        ]
        return paginator.get_paginated_response(rows)


urlpatterns = [
    path("conversations/<uuid:conversation_id>/messages/", conversation_messages, name="chat-messages"),
    path("messages/mistakes/", MistakeListApi.as_view(), name="chat-mistakes"),
    path("messages/<uuid:message_id>/mistake/", MessageMistakeApi.as_view(), name="chat-message-mistake"),
    path("messages/<uuid:message_id>/feedback/", MessageFeedbackApi.as_view(), name="chat-message-feedback"),
]
