"""DRF glue shared by every app's API: one error shape with a human-readable message."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": "The request body is too large."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" not in data:
        # Field errors: keep them, and add one sentence a person can read.
        response.data = {"detail": "Some fields are invalid.", "errors": data}
    elif isinstance(data, list):
        response.data = {"detail": " ".join(str(item) for item in data), "errors": data}
    return response
