"""Pages of the questionnaire library: the staff-only preview of a version as respondents see it.

The preview is routed through the admin (`QuestionnaireVersionAdmin.get_urls`), so it lives under
/admin/ and needs a staff account. Its questions are rendered by the taking pages' own presenter
and template fragment, so a scale looks like a scale and a rating like a rating — exactly what a
respondent gets — only disabled. `?as=observer` shows what survey responders read about someone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from questionnaires import selectors

PREVIEW_NAME = "Alex"  # whom the observer preview is about


@dataclass(frozen=True)
class PreviewPage:
    title: str
    part: int
    parts: int
    questions_html: SafeString
    branch_notes: list[dict[str, Any]]


@staff_member_required
def version_preview(request: HttpRequest, object_id: str) -> HttpResponse:
    if not object_id.isdigit():
        raise Http404("No such questionnaire version.")
    version = selectors.version_for_preview(version_id=int(object_id))
    if version is None:
        raise Http404("No such questionnaire version.")
    observer = request.GET.get("as") == "observer"
    about = PREVIEW_NAME if observer else None
    display = selectors.version_display(version, locale=request.GET.get("lang"), about=about)
    lang = None if display["locale"] == version.questionnaire.default_locale else display["locale"]
    context = {
        "display": display,
        "pages": _respondent_pages(request, version, lang, display["locale"], about),
        "observer": observer,
        "preview_name": PREVIEW_NAME,
        "change_url": reverse("admin:questionnaires_questionnaireversion_change", args=[version.pk]),
        "is_published": version.published_at is not None,
    }
    return render(request, "questionnaires/preview.html", context)


def _respondent_pages(request: HttpRequest, version, lang: str | None, locale: str, about: str | None):
    """The version's pages as the taking pages build and render them (every question shown)."""
    # The taking pages' presenter and fragment are the definition of "as respondents see it";
    # the preview borrows them rather than keeping a second rendering in step.
    from assessments import presenters
    from assessments.templatetags.partials import render_partials

    items = {item.key: item for item in version.items.all()}
    numbers = {key: number for number, key in enumerate(items, start=1)}
    pages = []
    for page in presenters.build_pages(version, lang, about):
        questions = [
            presenters.build_question(items[key], number=numbers[key], lang=lang, values=[], about=about)
            for key in page.item_keys
        ]
        html = render_partials(
            request, "assessments/take.html", ["questions"], {"questions": questions, "locale": locale}
        ).content.decode()
        notes = [
            {
                "number": numbers[key],
                "action": rule.action,
                "logic_json": json.dumps(rule.logic, ensure_ascii=False),
            }
            for key in page.item_keys
            for rule in items[key].branch_rules.all()
        ]
        pages.append(PreviewPage(page.section_title, page.part, page.parts, mark_safe(html), notes))  # noqa: S308 - rendered by the template engine, escaped there
    return pages
