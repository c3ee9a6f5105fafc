"""Mandatory e-mail verification in front of surveys and results.

With ACCOUNT_EMAIL_VERIFICATION=mandatory, allauth already refuses to log in an account whose
address is unconfirmed. A session can still outlive that (signed in before the setting was
switched on, or before the address was changed) and an API key does not log in at all; so the
pages and endpoints that show surveys and results check again, on every request:

    @verified_email_required_when_mandatory      # pages: "confirm your address first" + a new mail
    permission_classes = [IsAuthenticated, VerifiedEmailWhenMandatory]   # API: 403 with a message

With "optional" or "none" both let everyone through.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from allauth.account import app_settings
from allauth.account.decorators import verified_email_required
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from accounts import selectors

VERIFY_FIRST = (
    "Confirm your e-mail address first: follow the link in the mail we sent you "
    "(the account page sends a new one)."
)


def verification_pending(user) -> bool:
    """Whether verification is mandatory and this signed-in user has not confirmed their address."""
    if app_settings.EMAIL_VERIFICATION != app_settings.EmailVerificationMethod.MANDATORY:
        return False
    if not user.is_authenticated:
        return False
    return not selectors.user_has_verified_email(user=user)


def verified_email_required_when_mandatory(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """allauth's `verified_email_required` (the "confirm your address" page, and the mail sent
    again, rate-limited by allauth), applied only while verification is mandatory."""
    checked = verified_email_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if verification_pending(request.user):
            return checked(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapper


class VerifiedEmailWhenMandatory(BasePermission):
    message = VERIFY_FIRST

    def has_permission(self, request, view) -> bool:
        return not verification_pending(request.user)
