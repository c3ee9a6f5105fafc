"""DRF authentication by API key: ``Authorization: Api-Key <key>``."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts import services
from accounts.models import ApiKey, User

KEYWORD = "Api-Key"


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Api-Key pk_…`` headers.

    No Authorization header, or one for another scheme, means "not mine": return None so the
    next authentication class (the session) can try. A header in this scheme that does not
    hold a valid key is an error, answered with 401 and a message a person can act on.
    """

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid API key. Send it as: Authorization: Api-Key <key>."
            )
        try:
            raw_key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(services.ApiKeyError.message) from exc
        try:
            api_key = services.api_key_verify(raw_key)
        except services.ApiKeyError as exc:
            raise exceptions.AuthenticationFailed(exc.message) from exc
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        # A WWW-Authenticate value makes DRF answer 401 rather than 403.
        return KEYWORD
