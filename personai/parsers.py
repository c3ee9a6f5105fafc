"""The API's JSON parser: DRF's, plus the checks that keep bad input from becoming a 500.

Every DRF endpoint parses bodies with `StrictJSONParser` (DEFAULT_PARSER_CLASSES), so one place
refuses, with a 400 in the house error shape and before any view runs (nothing is written):

* nesting deeper than MAX_DEPTH (no document or answer here nests past ~10; a 4 KB body nested
  1,000 deep used to raise RecursionError),
* text — keys and values — holding NUL or a lone surrogate (`personai.validation.text_problem`),
* numbers a float cannot hold (1e400 parses to infinity) and integers beyond MAX_INTEGER
  (10**400: float() of it overflows downstream; no field here takes anything near 10**18).
"""

from __future__ import annotations

import math

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from personai.validation import text_problem

MAX_DEPTH = 64
MAX_INTEGER = 2**63 - 1  # PostgreSQL bigint; larger integers have no use in this API
MAX_PROBLEMS = 20  # listed in `errors`; more would only repeat the point


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _refused([f"$: nested more than {MAX_DEPTH} levels deep"]) from None
        problems = problems_in(data)
        if problems:
            raise _refused(problems)
        return data


def problems_in(data) -> list[str]:
    """Every problem of parsed JSON `data`, as "$.path: message" lines (iterative: no recursion)."""
    problems: list[str] = []
    stack = [(data, "$", 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                problems.append(f"{path}: nested more than {MAX_DEPTH} levels deep")
                continue
            if isinstance(value, dict):
                children = []
                for key, child in value.items():
                    problem = text_problem(key)
                    if problem:
                        problems.append(f"{path}: a key {problem}")
                        continue
                    children.append((child, f"{path}.{key}", depth + 1))
            else:
                children = [(child, f"{path}[{index}]", depth + 1) for index, child in enumerate(value)]
            stack.extend(reversed(children))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                problems.append(f"{path}: text {problem}")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{path}: the number is too large")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            problems.append(f"{path}: the number is too large (at most {MAX_INTEGER})")
    return problems


def _refused(problems: list[str]) -> ParseError:
    detail = (
        "The request body was refused: " + "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else ".")
    )
    return ParseError({"detail": detail, "errors": problems})
