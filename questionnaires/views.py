"""Pages of the questionnaire library: the staff-only preview of a version as respondents see it.

The preview is routed through the admin (`QuestionnaireVersionAdmin.get_urls`), so it lives under
/admin/ and needs a staff account.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from questionnaires import selectors

MAX_SCALE_POINTS = 11  # scales with more points render as a slider


@staff_member_required
def version_preview(request: HttpRequest, object_id: str) -> HttpResponse:
    if not object_id.isdigit():
        raise Http404("No such questionnaire version.")
    version = selectors.version_for_preview(version_id=int(object_id))
    if version is None:
        raise Http404("No such questionnaire version.")
    display = selectors.version_display(version, locale=request.GET.get("lang"))
    context = {
        "display": display,
        "groups": _section_groups(display),
        "change_url": reverse("admin:questionnaires_questionnaireversion_change", args=[version.pk]),
        "is_published": version.published_at is not None,
    }
    return render(request, "questionnaires/preview.html", context)


def _section_groups(display: dict[str, Any]) -> list[dict[str, Any]]:
    """Items grouped into runs of the same section, in display order, numbered from 1."""
    titles = {s["key"]: s["title"] for s in display["sections"]}
    groups: list[dict[str, Any]] = []
    for number, item in enumerate(display["items"], start=1):
        branch = [
            {**rule, "logic_json": json.dumps(rule["logic"], ensure_ascii=False)} for rule in item["branch"]
        ]
        item = {**item, "number": number, "scale": _scale_points(item), "branch": branch}
        if not groups or groups[-1]["key"] != item["section"]:
            groups.append({"key": item["section"], "title": titles.get(item["section"], ""), "items": []})
        groups[-1]["items"].append(item)
    return groups


def _scale_points(item: dict[str, Any]) -> list[float] | None:
    """The values of a short scalar scale (0, 1, … 10), or None for a slider or non-scalar item."""
    config = item["config"]
    low, high, step = config.get("min"), config.get("max"), config.get("step") or 1
    if (
        item["type"] != "scalar"
        or not all(isinstance(v, int | float) for v in (low, high, step))
        or step <= 0
    ):
        return None
    count = int(round((high - low) / step)) + 1
    if count > MAX_SCALE_POINTS or count < 2:
        return None
    return [_plain(low + i * step) for i in range(count)]


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)
