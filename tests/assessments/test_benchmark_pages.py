"""Benchmark pages: progress (whole page and htmx fragment), cancel, comparison and CSV, admin."""

from __future__ import annotations

import pytest

from assessments.benchmarks import cohorts, services
from assessments.models import Benchmark, SubjectProfile
from tests.assessments.factories import import_api_instrument, scored_session
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


def test_comparison_page_and_csv_show_agents_beside_a_cohort(client, user, finished):
    version = finished.questionnaire_version
    for _ in range(3):
        scored_session(UserFactory(), version)
    cohort = cohorts.cohort_create(owner=user, display_name="Humans", version=version, source="version")
    client.force_login(user)
    query = f"questionnaire=api-check&subject={finished.agent_id}&subject={cohort.pk}"
    page = client.get(f"/benchmarks/compare/?{query}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Model A" in body and "Humans" in body
    csv = client.get(f"/benchmarks/compare/?{query}&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert lines[0].startswith("subject,subject_type,dimension,n,mean")
    assert any(line.startswith("Model A,agent,extraversion,2,") for line in lines)
    assert any(line.startswith("Humans,cohort,extraversion,3,") for line in lines)


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
