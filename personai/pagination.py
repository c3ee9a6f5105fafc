"""The API's pagination: DRF's limit/offset, with bounds and a 400 for a bad parameter.

DRF ignores a malformed `?limit=`/`?offset=` and lets an offset past PostgreSQL's bigint reach
the database (a 500). Here a parameter that is not a whole number in range is a 400 naming it;
`limit` above MAX_LIMIT is capped (as DRF's `max_limit` does), an offset is at most MAX_OFFSET.
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 200
MAX_OFFSET = 10_000_000  # far past any list here, far below bigint


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        return min(_whole_number(self.limit_query_param, raw, minimum=1, maximum=None), self.max_limit)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        return _whole_number(self.offset_query_param, raw, minimum=0, maximum=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            # No schema maximum: a larger limit is capped, not refused (as DRF's max_limit does).
            self.limit_query_param: {"minimum": 1},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = (
                    f"Number of results to return per page (at most {self.max_limit}; more is capped)."
                )
        return parameters


def _whole_number(name: str, raw: str, *, minimum: int, maximum: int | None) -> int:
    text = raw.strip()
    # At most 12 digits before int(): no huge conversions, and anything longer is out of range.
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        bound = f"between {minimum}{upper}" if maximum is not None else f"{minimum} or more"
        raise ValidationError(
            {
                "detail": f"{name} must be a whole number {bound}.",
                "errors": {name: [f"Must be a whole number {bound}."]},
            }
        )
    return value
