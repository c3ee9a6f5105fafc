"""Reads for accounts pages and APIs."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import QuerySet

from accounts.models import ApiKey, User


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    """The user's API keys, newest first, active and revoked alike."""
    return ApiKey.objects.filter(user=user).order_by("-created_at")


def user_email_is_verified(*, user: User) -> bool:
    """Whether the user's current email address has been confirmed (allauth keeps that)."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def user_has_verified_email(*, user: User) -> bool:
    """Whether any of the user's addresses is confirmed: allauth's own test for mandatory
    verification (its login and `verified_email_required`), so the two never disagree."""
    return EmailAddress.objects.filter(user=user, verified=True).exists()
