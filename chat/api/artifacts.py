"""API: artifacts — generate (202, then poll), list, one, its versions, download, diff.

Only the owner sees an artifact: anyone else gets 404, as for a missing one.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import artifact_builders, artifact_services, selectors
from chat.api.common import BAD_REQUEST, NOT_FOUND, chat_error_response, error_response
from chat.models import Artifact, Conversation
from personai.pagination import BoundedLimitOffsetPagination
from personai.validation import StrictQuerySerializer

ARTIFACTS = "artifacts"
TYPES = Artifact.ArtifactType.values
NOT_READY = error_response("The artifact is not ready (still generating, or failed).")


class ArtifactSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    conversation = serializers.UUIDField(source="conversation_id", allow_null=True)
    artifact_type = serializers.ChoiceField(choices=Artifact.ArtifactType.choices)
    version = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Artifact.Status.choices)
    progress = serializers.IntegerField(help_text="0–100 while generating.")
    progress_note = serializers.CharField()
    error = serializers.CharField()
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="What validation found (e.g. why the model's ERD was not kept).",
    )
    model_name = serializers.CharField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Artifact"

    def get_content_type(self, obj) -> str:
        return artifact_services.content_type(obj)


class ArtifactDetailSerializer(ArtifactSerializer):
    generated_data = serializers.CharField(help_text="The text as downloaded (Markdown, Mermaid or JSON).")
    structured_data = serializers.JSONField(help_text="The filled skeleton the text was built from.")

    class Meta:
        ref_name = "ArtifactDetail"


class ArtifactCreateSerializer(serializers.Serializer):
    conversation = serializers.UUIDField(help_text="One of your conversations, with at least one message.")
    artifact_type = serializers.ChoiceField(
        choices=Artifact.ArtifactType.choices,
        error_messages={
            "invalid_choice": f"Unknown artifact type “{{input}}”; choose one of: {', '.join(TYPES)}."
        },
    )


class ArtifactFilterSerializer(StrictQuerySerializer):
    conversation = serializers.UUIDField(required=False)
    artifact_type = serializers.ChoiceField(choices=Artifact.ArtifactType.choices, required=False)


class DiffQuerySerializer(StrictQuerySerializer):
    against = serializers.IntegerField(
        min_value=1, max_value=1_000_000, help_text="The other version's number."
    )


class DiffRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace", "skip"])
    old_number = serializers.IntegerField(allow_null=True)
    old_text = serializers.CharField()
    new_number = serializers.IntegerField(allow_null=True)
    new_text = serializers.CharField()


class DiffSerializer(serializers.Serializer):
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    unified = serializers.CharField(help_text="A unified diff (old → new).")
    rows = DiffRowSerializer(many=True)

    class Meta:
        ref_name = "ArtifactDiff"


def artifact_or_404(user, artifact_id) -> Artifact:
    try:
        return selectors.artifact_for_user(user, artifact_id)
    except Artifact.DoesNotExist:
        raise NotFound("There is no such artifact.") from None


class ArtifactListApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=[ARTIFACTS],
        operation_id="artifacts_list",
        summary="Your artifacts, newest first",
        parameters=[
            OpenApiParameter("conversation", OpenApiTypes.UUID, description="Only this conversation's."),
            OpenApiParameter("artifact_type", str, enum=TYPES, description="Only this type."),
        ],
        responses={200: ArtifactSerializer(many=True), 400: BAD_REQUEST},
    )
    def get(self, request: Request) -> Response:
        filters = ArtifactFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        found = selectors.artifacts_for_user(
            request.user,
            conversation_id=filters.validated_data.get("conversation"),
            artifact_type=filters.validated_data.get("artifact_type"),
        ).defer("generated_data", "structured_data")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(ArtifactSerializer(page, many=True).data)

    @extend_schema(
        tags=[ARTIFACTS],
        operation_id="artifacts_create",
        summary="Generate an artifact from a conversation (the next version)",
        description=(
            "Answers 202 at once with the pending artifact; a worker generates it. Poll "
            "`GET /api/v1/artifacts/{id}/` until `status` is `ready` (or `failed`); `progress` "
            "goes 0–100. A conversation without messages, or an unknown type, is a 400."
        ),
        request=ArtifactCreateSerializer,
        responses={202: ArtifactSerializer, 400: BAD_REQUEST},
    )
    def post(self, request: Request) -> Response:
        data = ArtifactCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            conversation = selectors.conversation_for_user(request.user, data.validated_data["conversation"])
        except Conversation.DoesNotExist:
            raise ValidationError(
                {"conversation": ["There is no such conversation, or it is not yours."]}
            ) from None
        try:
            artifact = artifact_services.artifact_request(
                conversation=conversation, artifact_type=data.validated_data["artifact_type"]
            )
        except artifact_services.ArtifactInvalid as exc:
            return chat_error_response(exc)
        return Response(
            ArtifactSerializer(artifact).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/artifacts/{artifact.pk}/"},
        )


class ArtifactDetailApi(APIView):
    @extend_schema(
        tags=[ARTIFACTS],
        operation_id="artifacts_retrieve",
        summary="One artifact, with its text and skeleton",
        responses={200: ArtifactDetailSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, artifact_id) -> Response:
        return Response(ArtifactDetailSerializer(artifact_or_404(request.user, artifact_id)).data)


class ArtifactVersionsApi(APIView):
    @extend_schema(
        tags=[ARTIFACTS],
        operation_id="artifacts_versions",
        summary="Every version of this artifact (same conversation and type), oldest first",
        responses={200: ArtifactSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, artifact_id) -> Response:
        artifact = artifact_or_404(request.user, artifact_id)
        return Response(ArtifactSerializer(selectors.artifact_versions(artifact), many=True).data)


class AnyFileRenderer(BaseRenderer):
    """Lets a client ask for the file's own type (``Accept: text/markdown``) without a 406."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data).encode()


class ArtifactDownloadApi(APIView):
    renderer_classes = [JSONRenderer, AnyFileRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON whatever the client accepts.
        if isinstance(response, Response):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        tags=[ARTIFACTS],
        operation_id="artifacts_download",
        summary="Download the artifact as a file",
        description=(
            "`Content-Disposition: attachment` with the artifact's filename. PRD and interview "
            "summary: `text/markdown`; ERD: `text/vnd.mermaid`; persona brief: `application/json`."
        ),
        responses={
            (200, "text/markdown"): OpenApiResponse(
                OpenApiTypes.STR, description="PRD or interview summary."
            ),
            (200, "text/vnd.mermaid"): OpenApiResponse(
                OpenApiTypes.STR, description="ERD (Mermaid erDiagram)."
            ),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Persona brief."),
            404: NOT_FOUND,
            409: NOT_READY,
        },
    )
    def get(self, request: Request, artifact_id):
        artifact = artifact_or_404(request.user, artifact_id)
        if artifact.status != Artifact.Status.READY:
            return Response({"detail": "This artifact is not ready yet."}, status=status.HTTP_409_CONFLICT)
        response = HttpResponse(
            artifact.generated_data, content_type=artifact_services.content_type(artifact)
        )
        response["Content-Disposition"] = f'attachment; filename="{artifact.filename}"'
        return response


class ArtifactDiffApi(APIView):
    @extend_schema(
        tags=[ARTIFACTS],
        operation_id="artifacts_diff",
        summary="What changed between this version and another of the same artifact",
        parameters=[
            OpenApiParameter("against", int, required=True, description="The other version's number.")
        ],
        responses={200: DiffSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def get(self, request: Request, artifact_id) -> Response:
        artifact = artifact_or_404(request.user, artifact_id)
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data["against"]
        try:
            other = selectors.artifact_version(artifact, number)
        except Artifact.DoesNotExist:
            raise ValidationError({"against": [f"There is no version {number} of this artifact."]}) from None
        old, new = (other, artifact) if other.version <= artifact.version else (artifact, other)
        rows = artifact_builders.diff_rows(old.generated_data, new.generated_data)
        return Response(
            {
                "from_version": old.version,
                "to_version": new.version,
                "unified": artifact_builders.unified_diff(
                    old.generated_data, new.generated_data, old_name=old.filename, new_name=new.filename
                ),
                "rows": [row.__dict__ for row in rows],
            }
        )


urlpatterns = [
    path("artifacts/", ArtifactListApi.as_view(), name="chat-artifacts"),
    path("artifacts/<uuid:artifact_id>/", ArtifactDetailApi.as_view(), name="chat-artifact"),
    path(
        "artifacts/<uuid:artifact_id>/versions/", ArtifactVersionsApi.as_view(), name="chat-artifact-versions"
    ),
    path(
        "artifacts/<uuid:artifact_id>/download/", ArtifactDownloadApi.as_view(), name="chat-artifact-download"
    ),
    path("artifacts/<uuid:artifact_id>/diff/", ArtifactDiffApi.as_view(), name="chat-artifact-diff"),
]
