"""Subjects (my own profile, the agents and cohorts I manage) and their average scores."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.verification import VerifiedEmailWhenMandatory
from assessments import selectors
from assessments import serializers as out
from assessments.api.common import NOT_FOUND, SUBJECTS, _subject_for_user
from personai.pagination import BoundedLimitOffsetPagination

# --------------------------------------------------------------------------- subjects


class SubjectListApi(APIView):
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="subjects_list",
        summary="My subjects",
        description="Your own profile, and the agents and cohorts you manage.",
        responses={200: out.SubjectSerializer(many=True)},
        tags=[SUBJECTS],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.subjects_for_user(request.user), request, view=self)
        for subject in page:
            subject.is_me = subject.user_id == request.user.pk
        return paginator.get_paginated_response(out.SubjectSerializer(page, many=True).data)


class SubjectAveragesApi(APIView):
    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]

    @extend_schema(
        operation_id="subjects_averages",
        summary="Average scores of a subject",
        description=(
            "Per questionnaire version, respondent kind and dimension: the mean of each scored session's "
            "latest run. Averages of anonymous survey answers appear only once enough people responded."
        ),
        responses={200: out.SubjectAveragesSerializer, 404: NOT_FOUND},
        tags=[SUBJECTS],
    )
    def get(self, request: Request, subject_id: UUID) -> Response:
        subject = _subject_for_user(request.user, subject_id)
        subject.is_me = subject.user_id == request.user.pk
        averages = [
            {
                "questionnaire": row.questionnaire_version.questionnaire.slug,
                "version": row.questionnaire_version.version,
                "respondent_kind": row.respondent_kind,
                "dimension": row.dimension.slug,
                "name": row.dimension.name,
                "parent": row.dimension.parent.slug if row.dimension.parent_id else None,
                "session_count": row.session_count,
                "mean_raw": row.mean_raw,
                "mean_normalized": row.mean_normalized,
                "sd_raw": row.sd_raw,
            }
            for row in selectors.subject_averages_visible(subject)
        ]
        return Response(out.SubjectAveragesSerializer({"subject": subject, "averages": averages}).data)
