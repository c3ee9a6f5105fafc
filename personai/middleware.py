"""Make sure nothing under /api/ ever answers with an HTML error page."""

from __future__ import annotations

import logging

from django.http import JsonResponse

logger = logging.getLogger(__name__)


class JsonErrorsForApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return JsonResponse(
            {"detail": "Something went wrong on our side. The error was logged; please try again."},
            status=500,
        )
