"""Reads for accounts pages and APIs."""

from __future__ import annotations

import functools
import uuid

from allauth.account.models import EmailAddress
from django.db.models import QuerySet

from accounts.models import ApiKey, User
from personai.db import model_from_row, prepared_statement_cursor, select_columns


def api_key_with_user(prefix: str) -> ApiKey | None:
    """The key with this prefix, its user loaded with it; None when there is none.

    Every API request reads it, so it is one prepared statement: the ORM's select_related
    spent more time compiling it than PostgreSQL spent running it.
    """
    with prepared_statement_cursor() as cursor:
        cursor.execute(_api_key_with_user_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(ApiKey._meta.concrete_fields)
    api_key = model_from_row(ApiKey, row[:width])
    api_key.user = model_from_row(User, row[width:])
    return api_key


@functools.cache
def _api_key_with_user_sql() -> str:
    keys, users = ApiKey._meta.db_table, User._meta.db_table
    return (
        f"SELECT {select_columns(ApiKey, 'k')}, {select_columns(User, 'u')}"
        f' FROM "{keys}" k JOIN "{users}" u ON u.id = k."user_id" WHERE k.prefix = %s'
    )


def user_by_id(user_id: uuid.UUID) -> User | None:
    """The user with this id, None when there is none.

    The signed-in user of every page request (accounts.backends): one prepared statement,
    where the ORM's `get(pk=…)` spent twice as long compiling its query as running it.
    """
    with prepared_statement_cursor() as cursor:
        cursor.execute(_user_by_id_sql(), [user_id])
        row = cursor.fetchone()
    return None if row is None else model_from_row(User, row)


@functools.cache
def _user_by_id_sql() -> str:
    return f'SELECT {select_columns(User, "u")} FROM "{User._meta.db_table}" u WHERE u.id = %s'


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
