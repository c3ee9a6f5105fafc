"""Reads for accounts pages and APIs."""

from __future__ import annotations

import functools
import uuid

from allauth.account.models import EmailAddress
from django.db.models import QuerySet

from accounts.models import ApiKey, User
from personai import row_memory
from personai.db import model_from_row, prepared_statement_cursor, select_columns

# Rows read on every request, remembered per process until the database announces their change
# (personai/row_memory.py): a user's row by id, an API key's row by prefix.
_users = row_memory.RowMemory("user")
_api_keys = row_memory.RowMemory("api_key")


def api_key_with_user(prefix: str) -> ApiKey | None:
    """The key with this prefix, its user loaded with it; None when there is none.

    Every API request reads it: from this process's memory when it has read the key before
    (and nothing changed since), else with one prepared statement (the ORM's select_related
    spent more time compiling it than PostgreSQL spent running it).
    """
    key_row = _api_keys.get(prefix)
    if key_row is not None:
        user = user_by_id(key_row[_API_KEY_USER_ID])
        if user is not None:
            api_key = model_from_row(ApiKey, key_row)
            api_key.user = user
            return api_key
    since = row_memory.generation()
    with prepared_statement_cursor() as cursor:
        cursor.execute(_api_key_with_user_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(ApiKey._meta.concrete_fields)
    key_row, user_row = row[:width], row[width:]
    _api_keys.remember(prefix, key_row, since=since)
    _users.remember(user_row[_USER_ID], user_row, since=since)
    api_key = model_from_row(ApiKey, key_row)
    api_key.user = model_from_row(User, user_row)
    return api_key


_API_KEY_USER_ID = [field.attname for field in ApiKey._meta.concrete_fields].index("user_id")
_USER_ID = [field.attname for field in User._meta.concrete_fields].index("id")


@functools.cache
def _api_key_with_user_sql() -> str:
    keys, users = ApiKey._meta.db_table, User._meta.db_table
    return (
        f"SELECT {select_columns(ApiKey, 'k')}, {select_columns(User, 'u')}"
        f' FROM "{keys}" k JOIN "{users}" u ON u.id = k."user_id" WHERE k.prefix = %s'
    )


def user_remembered(user_id: uuid.UUID | str) -> User | None:
    """The user with this id from this process's memory only (None: not remembered); no query,
    so an async view can call it on the event loop."""
    try:
        row = _users.get(uuid.UUID(str(user_id)))
    except ValueError:
        return None
    return None if row is None else model_from_row(User, row)


def user_by_id(user_id: uuid.UUID | str) -> User | None:
    """The user with this id, None when there is none.

    The signed-in user of every page request (accounts.backends): from this process's memory
    when it has read the user before (and nothing changed since), else one prepared statement,
    where the ORM's `get(pk=…)` spent twice as long compiling its query as running it.
    """
    try:
        user_id = uuid.UUID(str(user_id))  # the form the database announces changes in
    except ValueError:
        return None
    row = _users.get(user_id)
    if row is None:
        since = row_memory.generation()
        with prepared_statement_cursor() as cursor:
            cursor.execute(_user_by_id_sql(), [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        _users.remember(user_id, row, since=since)
    return model_from_row(User, row)


def remembered_rows_forget(sender, instance, **kwargs) -> None:
    """Forget a saved or deleted user or key in this process at once (a receiver of their
    post_save and post_delete); other processes forget it when the database announces it."""
    if isinstance(instance, User):
        _users.forget(instance.pk)
    elif isinstance(instance, ApiKey):
        _api_keys.forget(instance.prefix)


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
