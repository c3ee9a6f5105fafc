"""Content-Security-Policy: pages may load scripts, styles, images and fonts only from us.

No inline ``<script>``/``<style>``, no ``style="…"`` or ``on…="…"`` attributes, no ``eval``:
templates keep their behaviour in ``static/js`` and their looks in ``static/css`` (progress bar
widths, for instance, are ``pct-NN`` classes). The policy is ``CONTENT_SECURITY_POLICY`` in
settings; a view may set its own header, which is left alone. With ``DEBUG`` on, Django's own
error pages (inline styles and scripts) are served without it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if not policy or HEADER in response:
            return response
        if settings.DEBUG and response.status_code >= 400:
            return response  # the technical 404/500 pages inline their styles and scripts
        response[HEADER] = policy
        return response
