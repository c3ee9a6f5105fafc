"""One boundary check for every piece of text a request brings in.

PostgreSQL cannot store the NUL character (psycopg raises DataError) and UTF-8 cannot encode a
lone surrogate (UnicodeEncodeError), so either one reaching a query is a 500, and a whole batch
of answers is lost with it. They are refused where requests enter, in two places sharing
`text_problem()`:

* JSON bodies: `personai.parsers.StrictJSONParser` (every DRF endpoint) walks the parsed data.
* Everything else: `RejectBadInputMiddleware` — the URL path (a 404: no route has such a
  segment), headers (cookies) and query strings of every request, and form posts of the pages
  (a 400 naming the field).
  API bodies are left to the parser, which answers in the API's error shape.

Plus `StrictQuerySerializer`, the base of query-parameter serializers: an empty `?status=` is
an error, not "no filter".
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework import serializers

NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    if NUL in text:
        return "must not contain the NUL character (\\u0000)"
    if _SURROGATE.search(text):
        return "must not contain a lone UTF-16 surrogate (\\ud800-\\udfff); send valid Unicode"
    return None


def querydict_problems(data, where: str) -> list[str]:
    """Problems of a QueryDict's keys and values, as "where.key: message" lines."""
    problems = []
    for key, values in data.lists():
        problem = text_problem(key)
        if problem:
            problems.append(f"{where}: a parameter name {problem}")
            continue
        for value in values:
            problem = text_problem(value) if isinstance(value, str) else None
            if problem:
                problems.append(f"{where}.{key}: {problem}")
                break
    return problems


def header_problems(request: HttpRequest) -> list[str]:
    """Headers holding NUL: a cookie with one made every page a 500 (the session lookup)."""
    return [
        f"header {key[5:].replace('_', '-').title()}: {problem}"
        for key, value in request.META.items()
        if key.startswith("HTTP_") and isinstance(value, str) and (problem := text_problem(value))
    ]


class RejectBadInputMiddleware:
    """Text that cannot be stored never reaches a view (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if text_problem(request.path_info):
            return _response(request, 404, "Page not found", "There is nothing at this address.", [])
        problems = header_problems(request) or querydict_problems(request.GET, "query")
        is_form_post = request.method == "POST" and request.content_type in FORM_TYPES
        if not problems and is_form_post and not request.path_info.startswith("/api/"):
            try:
                problems = querydict_problems(request.POST, "form")
            except Exception:  # noqa: BLE001 - a too-large or malformed body: the view's error
                problems = []
        if problems:
            message = "The request contains characters that cannot be stored: " + "; ".join(problems) + "."
            return _response(request, 400, "Bad request", message, problems)
        return self.get_response(request)


def _response(request: HttpRequest, status: int, title: str, message: str, errors: list[str]) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        body: dict = {"detail": message}
        if errors:
            body["errors"] = errors
        return JsonResponse(body, status=status)
    # Rendered without the request: this runs before sessions and authentication.
    context = {"title": title, "message": message, "status": status, "hide_account_nav": True}
    return HttpResponse(render_to_string("error.html", context), status=status)


class StrictQuerySerializer(serializers.Serializer):
    """Query parameters where `?name=` (present but empty) is an error naming the parameter.

    DRF skips an empty optional parameter, so `?status=` silently meant "every status".
    """

    def to_internal_value(self, data):
        empty = {
            name: ["This parameter is empty: give a value or leave it out."]
            for name, field in self.fields.items()
            if not getattr(field, "allow_blank", False)
            and hasattr(data, "getlist")
            and name in data
            and any(value == "" for value in data.getlist(name))
        }
        if empty:
            raise serializers.ValidationError(empty)
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A CharField that takes only strings: DRF's turns a number into text (`"name": 5` → "5")."""

    default_error_messages = {"invalid": "Must be text (a JSON string), not a {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            kind = (
                "boolean"
                if isinstance(data, bool)
                else "number"
                if isinstance(data, int | float)
                else "value"
            )
            self.fail("invalid", kind=kind)
        return super().to_internal_value(data)


class _JsonNumberMixin:
    """Takes only JSON numbers: DRF's numeric fields also accept numeric text ("0.5") and booleans."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise serializers.ValidationError("Must be a number (a JSON number, not text).")
        return super().to_internal_value(data)


class StrictFloatField(_JsonNumberMixin, serializers.FloatField):
    pass


class StrictIntegerField(_JsonNumberMixin, serializers.IntegerField):
    pass
