"""Benchmark pages: progress (whole page and htmx fragment), cancel, comparison and CSV, admin."""

from __future__ import annotations

import io
from csv import DictReader

import pytest
from scipy import stats as scipy_stats

from assessments.benchmarks import cohorts, comparison, services
from assessments.models import AssessmentBatch, Benchmark, SubjectProfile
from questionnaires.importing.writing import import_document
from tests.assessments.factories import (
    VALID_ANSWERS,
    api_instrument_document,
    import_api_instrument,
    scored_session,
)
from tests.assessments.test_benchmark_runs import drain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(user, fake_llm):
    fake_llm.reply = "1"
    version = import_api_instrument()
    agent = services.agent_create(owner=user, display_name="Model A", metadata={"model": "fake-model"})
    benchmark = services.benchmark_start(owner=user, agent=agent, version=version, runs=2, seed=1)
    drain(benchmark)
    return benchmark


def test_the_progress_page_and_its_fragment(client, user, finished, htmx):
    client.force_login(user)
    page = client.get(f"/benchmarks/{finished.pk}/")
    assert page.status_code == 200
    assert "Runs done" in page.content.decode() and "2 / 2" in page.content.decode()
    fragment = client.get(f"/benchmarks/{finished.pk}/", **htmx)
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert client.get("/agents/").status_code == 200
    assert client.get(f"/agents/{finished.agent_id}/").status_code == 200


def test_cancel_from_the_page(client, user):
    version = import_api_instrument()
    agent = services.agent_create(owner=user, display_name="a", metadata={"model": "m"})
    benchmark = services.benchmark_start(owner=user, agent=agent, version=version, runs=2)
    client.force_login(user)
    response = client.post(f"/benchmarks/{benchmark.pk}/cancel/")
    assert response.status_code == 302
    assert Benchmark.objects.get(pk=benchmark.pk).status == "cancelled"


def test_comparison_page_and_csv_show_agents_beside_a_cohort(
    client, user, finished, django_assert_max_num_queries
):
    version = finished.questionnaire_version
    agent_meta = {**finished.agent.metadata, "price_per_1k_tokens": 0.5}
    SubjectProfile.objects.filter(pk=finished.agent_id).update(metadata=agent_meta)
    for answer in ("1", "3", "5"):
        scored_session(UserFactory(), version, {**VALID_ANSWERS, "q2": answer})
    cohort = cohorts.cohort_create(owner=user, display_name="Humans", version=version, source="version")
    client.force_login(user)
    query = f"questionnaire=api-check&subject={finished.agent_id}&subject={cohort.pk}&reference={cohort.pk}"
    with django_assert_max_num_queries(40):
        page = client.get(f"/benchmarks/compare/?{query}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Model A" in body and "Humans" in body
    assert 'class="chart bench-chart"' in body and "chart-ci" in body  # means with their intervals
    csv = client.get(f"/benchmarks/compare/?{query}&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    rows = list(DictReader(io.StringIO(csv.content.decode())))
    assert tuple(rows[0].keys()) == comparison.CSV_COLUMNS
    model = next(r for r in rows if r["subject"] == "Model A" and r["dimension"] == "extraversion")
    humans = next(r for r in rows if r["subject"] == "Humans" and r["dimension"] == "extraversion")
    assert model["n"] == "2" and humans["n"] == "3"
    agent_batch = AssessmentBatch.objects.get(subject=finished.agent, questionnaire_version=version)
    cohort_batch = AssessmentBatch.objects.get(subject=cohort, questionnaire_version=version)
    agent_values = agent_batch.stats["extraversion"]["values"]
    cohort_values = cohort_batch.stats["extraversion"]["values"]
    assert len(set(cohort_values)) == 3  # three people, three different answers
    expected_p = scipy_stats.ttest_ind(agent_values, cohort_values, equal_var=False).pvalue
    assert float(model["welch_p"]) == pytest.approx(expected_p)
    assert model["reference"] == "Humans" and humans["cohens_d"] == "" and humans["welch_p"] == ""
    tokens = int(model["prompt_tokens"]) + int(model["completion_tokens"])
    assert tokens > 0 and float(model["cost_estimate"]) == pytest.approx(tokens / 1000 * 0.5)
    assert model["band"] == agent_batch.stats["extraversion"]["band_label"]


def test_the_reference_must_be_a_chosen_cohort(client, user, finished, other_user):
    version = finished.questionnaire_version
    theirs = cohorts.cohort_create(owner=other_user, display_name="T", version=version, source="version")
    client.force_login(user)
    base = f"/benchmarks/compare/?questionnaire=api-check&subject={finished.agent_id}"
    assert client.get(f"{base}&reference={theirs.pk}").status_code == 400
    assert client.get(f"{base}&reference=nope").status_code == 400


def test_comparison_bad_input_is_a_400_and_others_subjects_a_404(client, user, other_user):
    client.force_login(user)
    assert client.get("/benchmarks/compare/?questionnaire=api-check&subject=nope").status_code == 400
    assert client.get("/benchmarks/compare/?questionnaire=nope").status_code == 400
    import_api_instrument()
    theirs = services.agent_create(owner=other_user, display_name="t", metadata={"model": "m"})
    assert client.get(f"/benchmarks/compare/?questionnaire=api-check&subject={theirs.pk}").status_code == 404


def test_pages_need_a_sign_in(client, finished):
    assert client.get(f"/benchmarks/{finished.pk}/").status_code == 302
    assert client.get("/agents/").status_code == 302


def test_the_admin_validates_agent_settings(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/assessments/subjectprofile/add/",
        {
            "subject_type": "agent",
            "display_name": "leaky",
            "metadata": '{"model": "m", "api_key": "sk-secret"}',
            "locale": "en",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "Never send an API key" in response.content.decode()
    assert not SubjectProfile.objects.filter(display_name="leaky").exists()
    assert client.get("/admin/assessments/benchmark/").status_code == 200


def test_the_start_form_starts_a_benchmark(client, user):
    version = import_api_instrument()
    agent = services.agent_create(owner=user, display_name="Form agent", metadata={"model": "m"})
    client.force_login(user)
    page = client.get(f"/benchmarks/new/?agent={agent.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Form agent" in body and str(version) in body
    response = client.post(
        "/benchmarks/new/",
        {
            "agent": agent.pk,
            "version": version.pk,
            "runs": 3,
            "concurrency": 2,
            "seed": 5,
            "items_per_prompt": 4,
        },
    )
    benchmark = Benchmark.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benchmarks/{benchmark.pk}/"
    assert (benchmark.runs_requested, benchmark.concurrency, benchmark.seed, benchmark.items_per_prompt) == (
        3,
        2,
        5,
        4,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"runs": 101}, "Give a number of runs from 1 to 100."),
        ({"concurrency": 5}, "Give a concurrency from 1 to 4."),
        ({"items_per_prompt": 11}, "Ensure this value is less than or equal to 10."),
        ({"runs": "many"}, "Enter a whole number."),
    ],
)
def test_the_start_form_shows_caps_as_field_errors(client, user, change, message):
    version = import_api_instrument()
    agent = services.agent_create(owner=user, display_name="a", metadata={"model": "m"})
    client.force_login(user)
    data = {
        "agent": agent.pk,
        "version": version.pk,
        "runs": 2,
        "concurrency": 1,
        "items_per_prompt": 1,
        **change,
    }
    response = client.post("/benchmarks/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Benchmark.objects.exists()


def test_the_start_form_refuses_a_draft_version_and_other_peoples_agents(client, user, other_user):
    import_api_instrument()
    draft = import_document(api_instrument_document(slug="draft-check"), publish=False).version
    assert not draft.is_published
    agent = services.agent_create(owner=user, display_name="a", metadata={"model": "m"})
    client.force_login(user)
    data = {"agent": agent.pk, "version": draft.pk, "runs": 1, "concurrency": 1, "items_per_prompt": 1}
    response = client.post("/benchmarks/new/", data)
    assert response.status_code == 400
    assert "is not published" in response.content.decode()
    theirs = services.agent_create(owner=other_user, display_name="theirs", metadata={"model": "m"})
    response = client.post("/benchmarks/new/", {**data, "agent": theirs.pk, "version": draft.pk - 1})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Benchmark.objects.exists()
    client.logout()
    assert client.get("/benchmarks/new/").status_code == 302
