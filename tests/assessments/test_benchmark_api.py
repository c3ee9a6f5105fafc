"""The benchmark API: agents, benchmarks, cohorts — validation, ownership, progress."""

from __future__ import annotations

import pytest

from assessments.benchmarks import services
from assessments.models import Benchmark, SubjectProfile
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

AGENT = {"display_name": "GPT July", "model": "gpt-4o-2025-07", "temperature": 0.7, "seed": 3}


def test_it_creates_lists_and_shows_an_agent(api_client, user, settings):
    settings.BENCHMARK_ALLOWED_HOSTS = ["api.example.com"]
    api_client.force_login(user)
    created = api_client.post(
        "/api/v1/agents/",
        {**AGENT, "base_url": "https://api.example.com/v1/", "api_key_env": "AGENT_API_KEY_OPENAI"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["metadata"]["base_url"] == "https://api.example.com/v1"
    assert body["metadata"]["api_key_env"] == "AGENT_API_KEY_OPENAI"
    agent = SubjectProfile.objects.get(pk=body["id"])
    assert agent.subject_type == "agent" and agent.owner == user
    listed = api_client.get("/api/v1/agents/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    detail = api_client.get(f"/api/v1/agents/{body['id']}/").json()
    assert detail["agent"]["display_name"] == "GPT July" and detail["batches"] == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"api_key": "sk-secret"}, "api_key"),
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"base_url": "https://user:pw@example.com/v1"}, "base_url"),
        ({"base_url": "https://example.com/v1?key=sk-secret"}, "base_url"),
        ({"base_url": "https://example.com/v1", "api_key_env": "SECRET_KEY"}, "api_key_env"),
        ({"base_url": "https://example.com/v1", "api_key_env": "agent_api_key_x"}, "api_key_env"),
        ({"api_key_env": "AGENT_API_KEY_X"}, "api_key_env"),
        ({"temperature": 5}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"base_url": "http://169.254.169.254/latest"}, "base_url"),
        ({"structured_output": "grammar"}, "structured_output"),
    ],
)
def test_bad_agent_settings_are_a_400_naming_the_field(api_client, user, extra, field, settings):
    settings.BENCHMARK_ALLOWED_HOSTS = ["example.com"]
    api_client.force_login(user)
    response = api_client.post("/api/v1/agents/", {**AGENT, **extra}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not SubjectProfile.objects.filter(subject_type="agent").exists()
    assert "sk-secret" not in response.content.decode()


def test_a_benchmark_starts_and_shows_progress(api_client, user, fake_llm):
    fake_llm.reply = "1"
    import_api_instrument()
    agent = services.agent_create(owner=user, display_name="a", metadata={"model": "fake-model"})
    api_client.force_login(user)
    response = api_client.post(
        "/api/v1/benchmarks/",
        {"agent": str(agent.pk), "questionnaire": "api-check", "runs": 2, "concurrency": 1, "seed": 9},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["progress"]["runs_done"] == 0
    drain(Benchmark.objects.get(pk=body["id"]))
    progress = api_client.get(f"/api/v1/benchmarks/{body['id']}/").json()["progress"]
    assert progress["status"] == "done"
    assert progress["runs_done"] == 2
    assert progress["items_answered"] >= 12 and progress["items_invalid"] == 0
    assert progress["prompt_tokens"] > 0 and progress["eta_seconds"] is None
    batches = api_client.get(f"/api/v1/agents/{agent.pk}/").json()["batches"]
    assert batches[0]["session_count"] == 2 and batches[0]["dimensions"]["calm"]["n"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"runs": 0}, "runs"),
        ({"runs": 101}, "runs"),
        ({"runs": 2, "concurrency": 5}, "concurrency"),
        ({"runs": "many"}, "runs"),
        ({"runs": 1, "questionnaire": "nope"}, "questionnaire"),
        ({"runs": 1, "agent": "00000000-0000-0000-0000-000000000000"}, "agent"),
        ({"runs": 1, "items_per_prompt": 11}, "items_per_prompt"),
        ({"runs": 1, "items_per_prompt": 0}, "items_per_prompt"),
    ],
)
def test_bad_benchmark_input_is_a_400(api_client, user, body, field):
    import_api_instrument()
    agent = services.agent_create(owner=user, display_name="a", metadata={"model": "m"})
    api_client.force_login(user)
    response = api_client.post(
        "/api/v1/benchmarks/", {"agent": str(agent.pk), "questionnaire": "api-check", **body}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Benchmark.objects.exists()


def test_a_draft_version_is_a_400(api_client, user):
    import_document(api_instrument_document(slug="draft-check"), publish=False)
    agent = services.agent_create(owner=user, display_name="a", metadata={"model": "m"})
    api_client.force_login(user)
    response = api_client.post(
        "/api/v1/benchmarks/",
        {"agent": str(agent.pk), "questionnaire": "draft-check", "version": 1, "runs": 1},
        format="json",
    )
    assert response.status_code == 400
    assert not Benchmark.objects.exists()


def test_an_agent_with_structured_output_and_a_batched_benchmark(api_client, user):
    import_api_instrument()
    api_client.force_login(user)
    agent = api_client.post("/api/v1/agents/", {**AGENT, "structured_output": "object"}, format="json")
    assert agent.status_code == 201 and agent.json()["metadata"]["structured_output"] == "object"
    response = api_client.post(
        "/api/v1/benchmarks/",
        {"agent": agent.json()["id"], "questionnaire": "api-check", "runs": 1, "items_per_prompt": 3},
        format="json",
    )
    assert response.status_code == 201 and response.json()["items_per_prompt"] == 3


def test_cancel_through_the_api(api_client, user):
    version = import_api_instrument()
    agent = services.agent_create(owner=user, display_name="a", metadata={"model": "m"})
    benchmark = services.benchmark_start(owner=user, agent=agent, version=version, runs=2)
    api_client.force_login(user)
    response = api_client.post(f"/api/v1/benchmarks/{benchmark.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = api_client.post(f"/api/v1/benchmarks/{benchmark.pk}/cancel/")
    assert again.status_code == 400


@pytest.fixture
def theirs(other_user):
    version = import_api_instrument()
    agent = services.agent_create(owner=other_user, display_name="theirs", metadata={"model": "m"})
    benchmark = services.benchmark_start(owner=other_user, agent=agent, version=version, runs=1)
    from assessments.benchmarks import cohorts

    cohort = cohorts.cohort_create(owner=other_user, display_name="c", version=version, source="version")
    return {"agent": agent.pk, "benchmark": benchmark.pk, "cohort": cohort.pk}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/agents/{agent}/"),
        ("get", "/api/v1/benchmarks/{benchmark}/"),
        ("post", "/api/v1/benchmarks/{benchmark}/cancel/"),
        ("get", "/api/v1/cohorts/{cohort}/"),
        ("get", "/benchmarks/{benchmark}/"),
        ("post", "/benchmarks/{benchmark}/cancel/"),
        ("get", "/agents/{agent}/"),
    ],
)
def test_another_users_benchmark_objects_are_404(api_client, user, theirs, method, url):
    api_client.force_login(user)
    response = getattr(api_client, method)(url.format(**theirs))
    assert response.status_code == 404
    assert Benchmark.objects.get(pk=theirs["benchmark"]).status != "cancelled"


def test_lists_leave_out_other_users_objects(api_client, user, theirs):
    api_client.force_login(user)
    for url in ("/api/v1/agents/", "/api/v1/benchmarks/", "/api/v1/cohorts/"):
        assert api_client.get(url).json()["results"] == []


def test_starting_a_benchmark_with_their_agent_is_a_400(api_client, user, theirs):
    api_client.force_login(user)
    response = api_client.post(
        "/api/v1/benchmarks/",
        {"agent": str(theirs["agent"]), "questionnaire": "api-check", "runs": 1},
        format="json",
    )
    assert response.status_code == 400 and "agent" in response.json()["errors"]


def test_a_cohort_places_a_subject_among_humans(api_client, user):
    version = import_api_instrument()
    for q2 in ("1", "2", "3", "5"):
        scored_session(UserFactory(), version, {**VALID_ANSWERS, "q2": q2})
    mine = scored_session(user, version, {**VALID_ANSWERS, "q2": "4"})
    api_client.force_login(user)
    created = api_client.post(
        "/api/v1/cohorts/",
        {"display_name": "Everyone", "questionnaire": "api-check", "source": "version"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    detail = api_client.get(f"/api/v1/cohorts/{created.json()['id']}/?subject={mine.subject_id}").json()
    assert detail["batch"]["session_count"] == 5
    assert "values" not in detail["batch"]["dimensions"]["extraversion"]
    # Extraversion raw = q2 (1..5): mine is 4 among 1,2,3,4,5 → above 3, tied with 1 → 70 %.
    assert detail["placement"]["extraversion"]["higher_than_percent"] == 70.0


def test_a_cohort_of_fewer_than_three_shows_no_statistics(api_client, user):
    version = import_api_instrument()
    scored_session(UserFactory(), version)
    scored_session(UserFactory(), version)
    api_client.force_login(user)
    created = api_client.post(
        "/api/v1/cohorts/",
        {"display_name": "Two", "questionnaire": "api-check", "source": "version"},
        format="json",
    )
    detail = api_client.get(f"/api/v1/cohorts/{created.json()['id']}/").json()
    assert detail["batch"]["dimensions"] == {}


def test_a_bad_subject_query_is_a_400(api_client, user):
    version = import_api_instrument()
    from assessments.benchmarks import cohorts

    cohort = cohorts.cohort_create(owner=user, display_name="c", version=version, source="version")
    api_client.force_login(user)
    assert api_client.get(f"/api/v1/cohorts/{cohort.pk}/?subject=nope").status_code == 400
