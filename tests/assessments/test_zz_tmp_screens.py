from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from assessments import services
from assessments.models import ResultShare
from questionnaires.models import QuestionnaireVersion
from tests.assessments.factories import PAGE_ANSWERS, score_now, scored_session, self_session, survey_response, valid_answers_for
from tests.assessments.test_browser_take import log_in
from tests.assessments.test_page_results_overview import answers_picking
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path("/tmp/results-shots")


def test_shots(page: Page, live_server, allow_db_in_browser_tests, page_version):
    OUT.mkdir(exist_ok=True)
    call_command("load_instruments", verbosity=0)
    user = UserFactory()
    neo = QuestionnaireVersion.objects.get(questionnaire__slug="ipip-neo-120", is_active=True)
    disc = QuestionnaireVersion.objects.get(questionnaire__slug="disc", is_active=True)
    s1 = scored_session(user, neo, answers_picking(neo, lambda i: (i * 7) % 5))
    s2 = scored_session(user, disc, valid_answers_for(disc))
    share = ResultShare.objects.create(session=s1, run=s1.runs.get(), created_by=user)
    survey = services.survey_create(owner=user, version=page_version)
    score_now(self_session(user, page_version, PAGE_ANSWERS))
    for r in ("a", "b", "c"):
        survey_response(survey, {**PAGE_ANSWERS, "tidy": 2}, responder=r)
    log_in(page, live_server, user)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in (("neo", f"/assessments/{s1.pk}/results/"), ("disc", f"/assessments/{s2.pk}/results/"), ("survey", f"/surveys/{survey.pk}/"), ("shared", f"/r/{share.token}/")):
            page.goto(live_server.url + url)
            page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            print(name, width, "overflow", overflow)
    page.set_viewport_size({"width": 1280, "height": 900})
    for name, url, selectors in (
        ("neo", f"/assessments/{s1.pk}/results/", [".result-summary-block", ".result-overview", ".result-domain", ".result-share"]),
        ("disc", f"/assessments/{s2.pk}/results/", [".result-summary-block", ".result-overview", ".result-domain"]),
        ("survey", f"/surveys/{survey.pk}/", [".survey-results"]),
    ):
        page.goto(live_server.url + url)
        for index, selector in enumerate(selectors):
            page.locator(selector).first.screenshot(path=str(OUT / f"el-{name}-{index}.png"))
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(live_server.url + f"/assessments/{s1.pk}/results/")
    page.locator(".result-overview").first.screenshot(path=str(OUT / "el-neo-390-overview.png"))
    print(page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 12).map(e => e.tagName + '.' + e.className.baseVal + e.className)"""))
    page.goto(live_server.url + f"/assessments/{s1.pk}/results/")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("details.why").first.evaluate("d => d.open = true")
    page.locator("details.why").first.screenshot(path=str(OUT / "why.png"))
