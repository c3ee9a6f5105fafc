"""API: a subject's mindscape (read, edit paths with optimistic locking, ask for a rebuild)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.db import transaction
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import SubjectProfile
from personas.api.common import BAD_REQUEST, MINDSCAPES, NOT_FOUND, subject_or_404
from personas.models import Mindscape
from personas.selectors import mindscapes as selectors
from personas.services import mindscapes as services

ETAG_RE = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


class MindscapeSerializer(serializers.Serializer):
    subject = serializers.UUIDField(source="subject_id")
    traits = serializers.JSONField(
        help_text="The dot-path tree (`big_five.openness.score`, `work.chronotype`)."
    )
    sources = serializers.JSONField(help_text="Each leaf path → where its value came from.")
    version = serializers.IntegerField(help_text="0 before the first rebuild or edit; also the ETag.")
    updated_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Mindscape"


class MindscapeConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    traits = serializers.JSONField()

    class Meta:
        ref_name = "MindscapeConflict"


class MindscapePatchSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0, required=False, help_text="The version you read (or send it as `If-Match`)."
    )
    set = serializers.DictField(
        child=serializers.JSONField(), required=False, default=dict, help_text="Dot path → JSON value."
    )
    unset = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=1000),
        required=False,
        default=list,
        help_text="Dot paths to remove.",
    )

    class Meta:
        ref_name = "MindscapePatch"


class RebuildQueuedSerializer(serializers.Serializer):
    detail = serializers.CharField()

    class Meta:
        ref_name = "MindscapeRebuildQueued"


def _representation(subject: SubjectProfile, mindscape: Mindscape | None) -> dict[str, Any]:
    if mindscape is None:
        empty = {"subject_id": subject.pk, "traits": {}, "sources": {}, "version": 0, "updated_at": None}
        return MindscapeSerializer(empty).data
    return MindscapeSerializer(mindscape).data


def _etag(version: int) -> str:
    return f'"{version}"'


def _version_from(request: Request, body_version: int | None) -> int:
    header = request.headers.get("If-Match")
    header_version = None
    if header is not None:
        match = ETAG_RE.match(header)
        if match is None:
            raise ValidationError({"If-Match": ['Send the version you read, as in the ETag ("3").']})
        header_version = int(match.group(1))
    if body_version is not None and header_version is not None and body_version != header_version:
        raise ValidationError({"version": ["The body's version and If-Match disagree."]})
    version = body_version if body_version is not None else header_version
    if version is None:
        raise ValidationError({"version": ["Send the version you read (or an If-Match header)."]})
    return version


def _conflict(exc: services.MindscapeConflict) -> Response:
    return Response(
        {"detail": str(exc), "current_version": exc.current_version, "traits": exc.traits},
        status=status.HTTP_409_CONFLICT,
        headers={"ETag": _etag(exc.current_version)},
    )


class MindscapeApi(APIView):
    @extend_schema(
        operation_id="mindscape_get",
        summary="A subject's mindscape",
        description="Traits as a dot-path tree, each leaf's source, and the version (also the `ETag`; "
        "`If-None-Match` with it answers 304). Version 0 and empty traits before the first rebuild.",
        responses={
            200: MindscapeSerializer,
            304: OpenApiResponse(description="Not modified."),
            404: NOT_FOUND,
        },
        tags=[MINDSCAPES],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        mindscape = selectors.mindscape_for_subject(subject)
        version = mindscape.version if mindscape is not None else 0
        etag = _etag(version)
        if request.headers.get("If-None-Match") == etag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(_representation(subject, mindscape), headers={"ETag": etag})

    @extend_schema(
        operation_id="mindscape_patch",
        summary="Set or remove paths of a mindscape",
        description=(
            "Carries the version you read (`version`, or `If-Match`). A stale version is refused with 409 "
            "and the current version and traits, never overwritten. Paths are 1–8 segments of "
            "`[a-z0-9_]+`, at most 200 characters; values are JSON of at most 16 KB. Paths set here are "
            "recorded as `manual` and survive rebuilds; a computed path that is unset comes back "
            "with the next rebuild."
        ),
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description='The ETag you read, e.g. "3".',
            )
        ],
        request=MindscapePatchSerializer,
        responses={
            200: MindscapeSerializer,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: OpenApiResponse(MindscapeConflictSerializer, description="Stale version."),
        },
        examples=[
            OpenApiExample(
                "Set the chronotype",
                value={"version": 3, "set": {"work.chronotype": "evening"}, "unset": ["work.notes"]},
                request_only=True,
            )
        ],
        tags=[MINDSCAPES],
    )
    def patch(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        serializer = MindscapePatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = _version_from(request, serializer.validated_data.get("version"))
        patch = services.Patch(set=serializer.validated_data["set"], unset=serializer.validated_data["unset"])
        try:
            mindscape = services.mindscape_patch(
                subject=subject, version=version, patch=patch, user=request.user
            )
        except services.MindscapeInvalid as exc:
            return Response(
                {"detail": "Some paths or values are invalid.", "errors": exc.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except services.MindscapeConflict as exc:
            return _conflict(exc)
        return Response(_representation(subject, mindscape), headers={"ETag": _etag(mindscape.version)})


class MindscapeRebuildApi(APIView):
    @extend_schema(
        operation_id="mindscape_rebuild",
        summary="Rebuild a mindscape",
        description="Queues a rebuild from the latest scores, survey aggregates and observations "
        "(at most one pending per subject). Paths set by hand are kept.",
        request=None,
        responses={202: RebuildQueuedSerializer, 404: NOT_FOUND},
        tags=[MINDSCAPES],
    )
    def post(self, request: Request, subject_id: UUID) -> Response:
        subject = subject_or_404(request.user, subject_id)
        with transaction.atomic():
            services.mindscape_rebuild_enqueue(subject_id=subject.pk)
        return Response({"detail": "A rebuild is queued."}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("subjects/<uuid:subject_id>/mindscape/", MindscapeApi.as_view(), name="subject-mindscape"),
    path(
        "subjects/<uuid:subject_id>/mindscape/rebuild/",
        MindscapeRebuildApi.as_view(),
        name="subject-mindscape-rebuild",
    ),
]
