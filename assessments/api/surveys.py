"""Surveys about me: share links, settings, close and reopen, personal invitation links,
aggregated results."""

from __future__ import annotations

from uuid import UUID

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.verification import VerifiedEmailWhenMandatory
from assessments import selectors, services
from assessments import serializers as out
from assessments.api.common import (
    NOT_FOUND,
    SURVEYS,
    Conflict,
    _error,
    _invalid,
    _published_version,
    _survey_for_user,
)
from assessments.models import Survey, SurveyInvitation
from personai.pagination import BoundedLimitOffsetPagination

# --------------------------------------------------------------------------- rendering helpers


def _survey(request: Request, survey: Survey) -> dict:
    now = timezone.now()
    # The responders' landing page (assessments/urls.py), as an absolute URL to send around.
    survey.share_url = request.build_absolute_uri(
        reverse("assessments:survey_landing", args=[survey.share_token])
    )
    survey.is_open = (
        survey.is_active
        and (survey.closes_at is None or survey.closes_at > now)
        and (survey.max_responses is None or survey.response_count < survey.max_responses)
    )
    return out.SurveySerializer(survey).data


# --------------------------------------------------------------------------- surveys


class SurveyApi(APIView):
    """Every survey endpoint of the owner: signed in, and with a confirmed address when
    verification is mandatory."""

    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]


class SurveyListCreateApi(SurveyApi):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="surveys_list",
        summary="My surveys",
        responses={200: out.SurveySerializer(many=True)},
        tags=[SURVEYS],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.surveys_for_owner(request.user), request, view=self)
        return paginator.get_paginated_response([_survey(request, survey) for survey in page])

    @extend_schema(
        operation_id="surveys_create",
        summary="Create a survey about me",
        description="A share link that lets people answer the questionnaire about you, anonymously.",
        request=out.SurveyCreateSerializer,
        responses={201: out.SurveySerializer, 400: _error("Invalid fields.")},
        tags=[SURVEYS],
    )
    def post(self, request: Request) -> Response:
        serializer = out.SurveyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["closes_at"] is not None and data["closes_at"] <= timezone.now():
            raise ValidationError({"closes_at": ["The closing date must be in the future."]})
        version = _published_version(data["questionnaire"], data.get("version"))
        try:
            survey = services.survey_create(
                owner=request.user,
                version=version,
                title=data["title"],
                closes_at=data["closes_at"],
                max_responses=data["max_responses"],
                min_responses_to_show=data["min_responses_to_show"],
                invitation_only=data["invitation_only"],
                exclude_likely_duplicates=data["exclude_likely_duplicates"],
            )
        except services.AssessmentError as exc:
            raise ValidationError({"detail": exc.message}) from exc
        survey = _survey_for_user(request.user, survey.pk)
        return Response(_survey(request, survey), status=status.HTTP_201_CREATED)


class SurveyDetailApi(SurveyApi):
    @extend_schema(
        operation_id="surveys_retrieve",
        summary="One of my surveys",
        responses={200: out.SurveySerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def get(self, request: Request, survey_id: UUID) -> Response:
        return Response(_survey(request, _survey_for_user(request.user, survey_id)))

    @extend_schema(
        operation_id="surveys_partial_update",
        summary="Change who may answer, and whether likely duplicates count",
        request=out.SurveyUpdateSerializer,
        responses={200: out.SurveySerializer, 400: _error("Invalid fields."), 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def patch(self, request: Request, survey_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        serializer = out.SurveyUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.survey_update_settings(survey=survey, **serializer.validated_data)
        return Response(_survey(request, _survey_for_user(request.user, survey_id)))


class SurveyCloseApi(SurveyApi):
    is_active = False

    @extend_schema(
        operation_id="surveys_close",
        summary="Close a survey",
        description="The share link stops taking answers; results and exports stay available.",
        request=None,
        responses={200: out.SurveySerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def post(self, request: Request, survey_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        survey = services.survey_set_active(survey=survey, is_active=self.is_active)
        return Response(_survey(request, survey))


class SurveyReopenApi(SurveyCloseApi):
    is_active = True

    @extend_schema(
        operation_id="surveys_reopen",
        summary="Reopen a survey",
        description="The share link takes answers again (until `closes_at` or `max_responses`, if set).",
        request=None,
        responses={200: out.SurveySerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def post(self, request: Request, survey_id: UUID) -> Response:
        return super().post(request, survey_id)


class SurveyResultsApi(SurveyApi):
    @extend_schema(
        operation_id="surveys_results",
        summary="Aggregated results of a survey",
        description=(
            "Others' mean per dimension beside your own latest self-assessment. Others' means stay "
            "hidden (`others: null`) until `threshold` responses were scored, so nobody's answers can "
            "be told apart."
        ),
        responses={200: out.SurveyResultsSerializer, 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def get(self, request: Request, survey_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        aggregate = selectors.survey_aggregate(survey)
        dimensions = [
            {
                "dimension": row.dimension.slug,
                "name": row.dimension.name,
                "parent": row.dimension.parent.slug if row.dimension.parent_id else None,
                "others": (
                    {
                        "n": row.others_n,
                        "mean_raw": row.others_mean_raw,
                        "mean_normalized": row.others_mean_normalized,
                    }
                    if aggregate.shown
                    else None
                ),
                "self": (
                    {"raw": row.self_raw, "normalized": row.self_normalized}
                    if row.self_raw is not None
                    else None
                ),
            }
            for row in aggregate.dimensions
        ]
        data = {
            "responses": aggregate.responses,
            "likely_duplicates": aggregate.likely_duplicates,
            "duplicates_excluded": aggregate.duplicates_excluded,
            "threshold": aggregate.threshold,
            "shown": aggregate.shown,
            "dimensions": dimensions,
        }
        return Response(out.SurveyResultsSerializer(data).data)


# --------------------------------------------------------------------------- personal invitation links


def _invitation(request: Request, survey: Survey, invitation: SurveyInvitation) -> dict:
    url = reverse("assessments:survey_invitation", args=[survey.share_token, invitation.token])
    return out.InvitationSerializer(
        {
            "id": invitation.pk,
            "url": request.build_absolute_uri(url),
            "status": invitation.status,
            "created_at": invitation.created_at,
        }
    ).data


class SurveyInvitationListCreateApi(SurveyApi):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="surveys_invitations_list",
        summary="A survey's personal invitation links",
        description="Oldest first. A link's status says whether it was used, never who used it or when.",
        responses={200: out.InvitationSerializer(many=True), 404: NOT_FOUND},
        tags=[SURVEYS],
    )
    def get(self, request: Request, survey_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.survey_invitations(survey), request, view=self)
        return paginator.get_paginated_response([_invitation(request, survey, row) for row in page])

    @extend_schema(
        operation_id="surveys_invitations_create",
        summary="Create personal invitation links",
        description=(
            "`count` new single-use links: each starts one responder's answers, once. Combine with "
            "`invitation_only` for a survey nobody can answer twice."
        ),
        request=out.InvitationCreateSerializer,
        responses={
            201: out.InvitationSerializer(many=True),
            400: _error("Invalid count, or the survey has too many links."),
            404: NOT_FOUND,
        },
        tags=[SURVEYS],
    )
    def post(self, request: Request, survey_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        serializer = out.InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            created = services.invitations_create(survey=survey, count=serializer.validated_data["count"])
        except services.AssessmentError as exc:
            raise _invalid(exc.message, {"count": [exc.message]}) from exc
        return Response(
            [_invitation(request, survey, row) for row in created], status=status.HTTP_201_CREATED
        )


class SurveyInvitationRevokeApi(SurveyApi):
    @extend_schema(
        operation_id="surveys_invitations_revoke",
        summary="Revoke an unused invitation link",
        description="The link stops working. Revoking twice is harmless; a used link cannot be revoked (409).",
        request=None,
        responses={200: out.InvitationSerializer, 404: NOT_FOUND, 409: _error("The link was already used.")},
        tags=[SURVEYS],
    )
    def post(self, request: Request, survey_id: UUID, invitation_id: UUID) -> Response:
        survey = _survey_for_user(request.user, survey_id)
        try:
            invitation = selectors.survey_invitation(survey, invitation_id)
        except SurveyInvitation.DoesNotExist:
            raise NotFound("This survey has no such invitation.") from None
        try:
            invitation = services.invitation_revoke(invitation=invitation)
        except services.InvitationUsed as exc:
            raise Conflict(exc.message) from exc
        return Response(_invitation(request, survey, invitation))
