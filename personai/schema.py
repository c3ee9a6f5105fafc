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


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and "400" not in responses:
            responses["400"] = self._get_response_for_code(
                BAD_REQUEST, "400", ("application/json",), direction
            )
        return responses
