"""What the personas API modules share: tags, the error schema, and the ownership loaders.

Another user's object is a 404, never a 403 (it must not reveal that the object exists).
Errors keep the house shape {"detail": ..., "errors": ...} (personai/api.py).
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound

from assessments.models import SubjectProfile
from personas.selectors import subjects as subject_selectors

OBSERVATIONS = "observations"
MINDSCAPES = "mindscapes"
NARRATIVES = "narratives"
MAPPERS = "mappers"
PERSONAS = "personas"
FEEDBACK = "feedback"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.JSONField(required=False)

    class Meta:
        ref_name = "PersonasError"


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


NOT_FOUND = error_response("Not found, or not yours.")
BAD_REQUEST = error_response("Invalid input; `errors` says which field (or JSON path) and why.")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def subject_or_404(user, subject_id: UUID) -> SubjectProfile:
    try:
        return subject_selectors.subject_for_user(user, subject_id)
    except SubjectProfile.DoesNotExist:
        raise NotFound("There is no such subject.") from None
