"""Real Chromium: start a benchmark from the form and compare the agent with a human cohort; run a
persona's fidelity benchmark from its page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from assessments import services as assessment_services
from assessments.benchmarks import cohorts, services
from assessments.models import Benchmark
from tests.assessments.factories import VALID_ANSWERS, import_api_instrument, scored_session
from tests.assessments.test_benchmark_runs import drain
from tests.assessments.test_browser_take import log_in, shot
from tests.factories import UserFactory
from tests.personas.persona_factories import make_persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_a_benchmark_and_compare_it_with_a_cohort(
    page: Page, live_server, allow_db_in_browser_tests, user, fake_llm
):
    fake_llm.reply = "1"
    version = import_api_instrument()
    agent = services.agent_create(owner=user, display_name="Model A", metadata={"model": "fake-model"})
    for answer in ("1", "3", "5"):
        scored_session(UserFactory(), version, {**VALID_ANSWERS, "q2": answer})
    cohort = cohorts.cohort_create(owner=user, display_name="Humans", version=version, source="version")
    log_in(page, live_server, user)

    page.goto(f"{live_server.url}/agents/")
    page.get_by_role("link", name="Start a benchmark").click()
    page.get_by_label("Runs (N)").fill("500")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("alert").filter(has_text="Give a number of runs from 1 to 100.")).to_be_visible()
    page.get_by_label("Runs (N)").fill("3")
    page.get_by_label("Seed").fill("8")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Model A")
    benchmark = Benchmark.objects.get()
    assert benchmark.agent_id == agent.pk and benchmark.runs_requested == 3
    drain(benchmark)

    page.goto(
        f"{live_server.url}/benchmarks/compare/?questionnaire=api-check&subject={agent.pk}&subject={cohort.pk}"
    )
    chart = page.locator("figure.bench-chart")
    expect(chart).to_be_visible()
    expect(chart.locator(".chart-ci").first).to_be_attached()
    expect(page.get_by_role("columnheader", name="Cohen’s d")).to_be_visible()
    expect(page.get_by_role("cell", name="Humans").first).to_be_visible()
    shot(page, "benchmark-compare")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "comparison-api-check.csv"


def test_a_persona_fidelity_run_from_the_page(
    page: Page, live_server, allow_db_in_browser_tests, user, fake_llm
):
    fake_llm.reply = "1"
    version = import_api_instrument()
    scored_session(user, version, {**VALID_ANSWERS, "q2": "5"})
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    make_persona(subject, mapper_config_id="persona-guidance", mapper_version=1)
    log_in(page, live_server, user)

    page.goto(f"{live_server.url}/agents/")
    page.get_by_role("link", name="My personas’ fidelity").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("personas")
    page.get_by_label("Runs (N)").fill("2")
    page.get_by_role("button", name="as the persona").click()
    benchmark = Benchmark.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(benchmark.agent.display_name)
    drain(benchmark)

    page.goto(f"{live_server.url}/benchmarks/fidelity/{subject.pk}/")
    expect(page.get_by_role("cell", name="persona-guidance v1", exact=True)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Persona mean")).to_be_visible()
    shot(page, "benchmark-fidelity")
