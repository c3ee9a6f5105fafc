"""Anonymous survey responders: who they are (a signed cookie) and a server-side fingerprint.

The cookie holds a random responder token, signed with a salt that names the survey, and is
scoped to that survey's link (`/s/<share token>/`), so one survey's token is never sent to, or
accepted by, another survey. A missing, expired or tampered cookie simply means a new
responder: reading it never raises.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from assessments.models import Survey

COOKIE_NAME = "personai_responder"
MAX_AGE = 60 * 60 * 24 * 180  # half a year: long enough to come back and finish, or be recognised


def _salt(survey: Survey) -> str:
    return f"assessments.responder.{survey.pk}"


def _path(survey: Survey) -> str:
    return reverse("assessments:survey_landing", args=[survey.share_token])


def responder_token(request: HttpRequest, survey: Survey) -> str:
    """The responder token from the survey's signed cookie, or "" (no cookie, or a bad one)."""
    value = request.get_signed_cookie(COOKIE_NAME, default="", salt=_salt(survey), max_age=MAX_AGE)
    return value if isinstance(value, str) and 16 <= len(value) <= 100 else ""


def new_responder_token() -> str:
    return secrets.token_urlsafe(24)


def set_responder_cookie(response: HttpResponse, survey: Survey, token: str) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        token,
        salt=_salt(survey),
        max_age=MAX_AGE,
        path=_path(survey),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def client_ip(request: HttpRequest) -> str:
    """The client's address as the login rate limits see it (honours TRUSTED_PROXY_COUNT /
    TRUSTED_CLIENT_IP_HEADER), so every per-IP rule in the product agrees."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ImproperlyConfigured, PermissionDenied

    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return request.META.get("REMOTE_ADDR", "") or ""


def responder_fingerprint(request: HttpRequest, survey: Survey) -> str:
    """sha256 of (survey, client IP, User-Agent): recognises a browser that lost its cookie."""
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    material = f"{survey.pk}\x1f{client_ip(request)}\x1f{user_agent}".encode()
    return hashlib.sha256(material).hexdigest()
