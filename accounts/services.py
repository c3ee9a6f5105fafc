"""Writes for accounts: creating, revoking and checking API keys.

An API key looks like ``pk_<prefix>_<secret>``: ``prefix`` is 8 letters and digits, stored in the
clear and shown in lists so people can tell their keys apart; ``secret`` is 32 URL-safe
characters. Only the SHA-256 hex digest of the whole key is stored, so the key is shown once,
at creation, and can never be recovered afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import selectors
from accounts.models import ApiKey, User

KEY_SCHEME = "pk"
PREFIX_LENGTH = 8
SECRET_LENGTH = 32  # characters; secrets.token_urlsafe(24) gives exactly 32
NAME_MAX_LENGTH = ApiKey._meta.get_field("name").max_length
# last_used_at is informational: refreshing it at most this often keeps a busy key from costing
# a database write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_PREFIX_ALPHABET = string.ascii_letters + string.digits
_CREATE_ATTEMPTS = 5


class ApiKeyError(Exception):
    """The presented key does not authenticate anyone. ``message`` is safe to show the caller."""

    message = "Invalid API key."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


class ApiKeyRevokedError(ApiKeyError):
    message = "This API key has been revoked."


class ApiKeyOwnerInactiveError(ApiKeyError):
    message = "The account this API key belongs to is deactivated."


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _new_prefix() -> str:
    return "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the key a name, for example “laptop script”."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": f"Key names can be at most {NAME_MAX_LENGTH} characters (this one has {len(name)})."}
        )
    return name


def api_key_create(*, user: User, name: str) -> tuple[ApiKey, str]:
    """Create a key for ``user``. Returns the row and the full key, which is never stored."""
    name = _clean_name(name)
    for _attempt in range(_CREATE_ATTEMPTS):
        prefix = _new_prefix()
        raw_key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(24)}"
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    user=user, name=name, prefix=prefix, hashed_key=hash_api_key(raw_key)
                )
        except IntegrityError:
            # Two keys drew the same prefix (62**8 possibilities): draw again.
            continue
        return api_key, raw_key
    raise RuntimeError("Could not find a free API key prefix; try again.")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke ``api_key``. Revoking an already revoked key changes nothing."""
    now = timezone.now()
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now)
    selectors.remembered_rows_forget(ApiKey, api_key)  # other processes: the database's notice
    if updated:
        api_key.revoked_at = now
    else:
        api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def _split_key(raw_key: str) -> str | None:
    """Return the prefix of a well-formed key, or None."""
    parts = raw_key.split("_", 2)
    if len(parts) != 3:
        return None
    scheme, prefix, secret = parts
    if scheme != KEY_SCHEME or len(prefix) != PREFIX_LENGTH or len(secret) != SECRET_LENGTH:
        return None
    if not all(char in _PREFIX_ALPHABET for char in prefix):
        return None
    return prefix


def api_key_verify(raw_key: str) -> ApiKey:
    """Return the active key matching ``raw_key`` (with its user loaded), or raise ApiKeyError.

    Also records the use in ``last_used_at``, at most once per LAST_USED_RESOLUTION.
    """
    prefix = _split_key(raw_key)
    if prefix is None:
        raise ApiKeyError()
    api_key = selectors.api_key_with_user(prefix)
    if api_key is None or not hmac.compare_digest(api_key.hashed_key, hash_api_key(raw_key)):
        raise ApiKeyError()
    # Only someone holding the real secret learns whether it is revoked.
    if api_key.revoked_at is not None:
        raise ApiKeyRevokedError()
    if not api_key.user.is_active:
        raise ApiKeyOwnerInactiveError()
    _touch_last_used(api_key)
    return api_key


def api_key_authenticate(raw_key: str) -> User | None:
    """The user a key belongs to, or None for a malformed, unknown or revoked key."""
    try:
        return api_key_verify(raw_key).user
    except ApiKeyError:
        return None


def _touch_last_used(api_key: ApiKey) -> None:
    now = timezone.now()
    stale_before = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is not None and api_key.last_used_at >= stale_before:
        return
    # Conditional, so concurrent requests with the same key write once between them.
    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale_before)
    ).update(last_used_at=now)
    api_key.last_used_at = now
    selectors.remembered_rows_forget(ApiKey, api_key)
