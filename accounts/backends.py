"""Authentication backends: Django's and allauth's, with a faster read of the signed-in user.

Every request of a signed-in user loads the user from the backend named in the session
(`get_user`). Django's backends read it through the ORM, whose query compilation cost a page
more than the round trip to PostgreSQL; these read it with one prepared statement
(`accounts.selectors.user_by_id`). Signing in is unchanged.

Sessions signed in before these backends existed name Django's and allauth's own classes;
the settings list those too (after these) so that such visitors stay signed in. They are
the same checks, so trying them again after a failed sign-in would only hash the password a
second time: the last of these backends ends the search instead (see `authenticate`).
"""

from __future__ import annotations

from allauth.account import auth_backends as allauth_backends
from asgiref.sync import sync_to_async
from django.contrib.auth import backends as django_backends
from django.core.exceptions import PermissionDenied

from accounts import selectors


class _SignedInUserLookup:
    def get_user(self, user_id):
        user = selectors.user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        # An async view (a chat stream): a remembered user costs no thread hop and no query.
        user = selectors.user_remembered(user_id)
        if user is None:
            return await sync_to_async(self.get_user)(user_id)
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_SignedInUserLookup, django_backends.ModelBackend):
    """Django's username and password check (the admin's sign-in form)."""


class AuthenticationBackend(_SignedInUserLookup, allauth_backends.AuthenticationBackend):
    """allauth's email and password check (the site's sign-in form)."""

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is None:
            # Django then stops trying backends and reports the failed sign-in as usual
            # (`user_login_failed`, None): the legacy entries after this one are the same
            # checks again.
            raise PermissionDenied
        return user
