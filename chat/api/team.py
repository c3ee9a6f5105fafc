"""API: team conversations — start one with your personas, list them, read one with the team's
shared state. Messages go through ``/api/v1/conversations/{id}/messages/`` as for any
conversation: in a team conversation every role answers in turn."""

from __future__ import annotations

from django.db.models import Count
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services, team, team_services
from chat.api.common import BAD_REQUEST, NOT_FOUND, chat_error_response
from chat.models import Conversation
from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictCharField

TEAM = "team conversations"


class TeamStateSerializer(serializers.Serializer):
    goals = serializers.ListField(child=serializers.CharField())
    open_questions = serializers.ListField(child=serializers.CharField())
    decisions = serializers.ListField(child=serializers.CharField())
    entities = serializers.JSONField(help_text='[{"name", "attributes": [...]}] named by the team.')
    relationships = serializers.JSONField(help_text='[{"left", "label", "right"}].')
    turns = serializers.IntegerField(help_text="Replies the team has given so far.")

    class Meta:
        ref_name = "TeamState"


class TeamPersonaSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    traits = serializers.ListField(child=serializers.CharField())

    class Meta:
        ref_name = "TeamPersona"


class TeamConversationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    roles = serializers.SerializerMethodField(help_text="The roles that answer, in turn.")
    personas = serializers.SerializerMethodField(help_text="The personas the team keeps in mind.")
    team = serializers.SerializerMethodField(help_text="The shared state, updated after each reply.")
    message_count = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "TeamConversation"

    def get_roles(self, obj) -> list[str]:
        return list(team.ROLE_NAMES)

    @extend_schema_field(TeamPersonaSerializer(many=True))
    def get_personas(self, obj):
        return obj.context.get("team_personas") or []

    @extend_schema_field(TeamStateSerializer)
    def get_team(self, obj):
        return team.state_of(obj.context)

    def get_message_count(self, obj) -> int:
        count = getattr(obj, "message_count", None)
        return count if count is not None else obj.messages.count()


class TeamConversationCreateSerializer(serializers.Serializer):
    personas = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=team_services.MAX_TEAM_PERSONAS,
        help_text=f"1–{team_services.MAX_TEAM_PERSONAS} of your ready personas.",
    )
    title = StrictCharField(max_length=255, required=False, allow_blank=True, default="")


def team_conversation_or_404(user, conversation_id) -> Conversation:
    try:
        return selectors.team_conversation_for_user(user, conversation_id)
    except Conversation.DoesNotExist:
        raise NotFound("There is no such team conversation.") from None


class TeamConversationListApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=[TEAM],
        operation_id="team_conversations_list",
        summary="Your team conversations, newest activity first",
        responses={200: TeamConversationSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        found = (
            Conversation.objects.filter(owner=request.user, kind=Conversation.Kind.TEAM)
            .annotate(message_count=Count("messages"))
            .order_by("-updated_at", "-id")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(TeamConversationSerializer(page, many=True).data)

    @extend_schema(
        tags=[TEAM],
        operation_id="team_conversations_create",
        summary="Start a team conversation keeping some of your personas in mind",
        description="Then send messages to `/api/v1/conversations/{id}/messages/`: the product manager, "
        "the UX researcher and the architect answer in turn (JSON: `messages` holds every reply; "
        "SSE: `turn`, `token`, `message` and `context` events per role).",
        request=TeamConversationCreateSerializer,
        responses={201: TeamConversationSerializer, 400: BAD_REQUEST},
    )
    def post(self, request: Request) -> Response:
        data = TeamConversationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = {str(pk) for pk in data.validated_data["personas"]}
        personas = [
            p
            for p in selectors.personas_for_user(request.user).filter(pk__in=wanted)
            if p.status == p.Status.READY
        ]
        if len(personas) != len(wanted):
            raise ValidationError({"personas": ["Each persona must be one of your own ready personas."]})
        try:
            conversation = team_services.team_conversation_create(
                owner=request.user, personas=personas, title=data.validated_data["title"]
            )
        except services.ChatError as exc:
            return chat_error_response(exc)
        return Response(TeamConversationSerializer(conversation).data, status=status.HTTP_201_CREATED)


class TeamConversationDetailApi(APIView):
    @extend_schema(
        tags=[TEAM],
        operation_id="team_conversations_retrieve",
        summary="One team conversation with the team's shared state",
        responses={200: TeamConversationSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, conversation_id) -> Response:
        return Response(
            TeamConversationSerializer(team_conversation_or_404(request.user, conversation_id)).data
        )


urlpatterns = [
    path("team-conversations/", TeamConversationListApi.as_view(), name="chat-team-conversations"),
    path(
        "team-conversations/<uuid:conversation_id>/",
        TeamConversationDetailApi.as_view(),
        name="chat-team-conversation",
    ),
]
