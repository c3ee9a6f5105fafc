"""The API's OpenAPI schema class: drf-spectacular's, with every operation's 400 documented.

Any operation can answer 400 before its view runs: the strict JSON parser (personai/parsers.py),
the bad-input middleware (personai/validation.py) and the bounded paginator refuse NUL, lone
surrogates, deep nesting and numbers out of range. Operations that document a 400 of their own
keep it; the others get this one.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class BadRequestSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can act on.")
    errors = serializers.JSONField(
        required=False,
        help_text='Per-field messages ({"limit": ["…"]}), or "where: what" lines for a refused body '
        '(["$.answers.q6: text must not contain the NUL character (\\u0000)"]).',
    )

    class Meta:
        ref_name = "BadRequest"


BAD_REQUEST = OpenApiResponse(
    BadRequestSerializer,
    description="Bad input, refused before anything was written: a malformed or out-of-range parameter, "
    "or a body with NUL characters, lone surrogates, nesting deeper than 64 or numbers out of range.",
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can act on.")

    class Meta:
        ref_name = "Error"


UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer, description="No credentials, or an unknown or revoked API key."
)
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Signed in, but not allowed to do this.")
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="Not found, or not yours (also an unknown `?format=`)."
)


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        # Answers every operation can give before (or besides) its own documented ones.
        common = {"400": BAD_REQUEST}
        if self._requires_authentication():
            common["401"] = UNAUTHENTICATED
            common["403"] = FORBIDDEN
        # A path's identifiers may name nothing (or another user's object); and DRF answers an
        # unknown `?format=` with 404 on any operation.
        common["404"] = NOT_FOUND
        for code, response in common.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    response, code, ("application/json",), direction
                )
        return responses

    def _requires_authentication(self) -> bool:
        from rest_framework.permissions import AllowAny

        return not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
