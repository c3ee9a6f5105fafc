"""Persona fidelity through the API: the same figures as the page, ownership, and bad input."""

from __future__ import annotations

import pytest

from assessments import services as assessment_services
from assessments.benchmarks import fidelity
from assessments.models import Benchmark
from tests.assessments.factories import VALID_ANSWERS, scored_session
from tests.assessments.test_benchmark_runs import drain
from tests.personas.persona_factories import make_persona

pytestmark = pytest.mark.django_db


def _url(subject, tail: str = "") -> str:
    return f"/api/v1/subjects/{subject.pk}/fidelity/{tail}"


def test_a_run_started_through_the_api_shows_the_pages_figures(api_client, user, human, fake_llm):
    fake_llm.reply = "1"
    subject, version = human
    persona = make_persona(subject, mapper_config_id="persona-guidance", mapper_version=1)
    api_client.force_login(user)

    started = api_client.post(
        _url(subject, "runs/"), {"persona": str(persona.pk), "runs": 2, "seed": 3}, format="json"
    )

    assert started.status_code == 201, started.content
    assert started.json()["runs_requested"] == 2
    drain(Benchmark.objects.get(pk=started.json()["id"]))
    body = api_client.get(_url(subject)).json()
    expected = fidelity.fidelity(owner=user, subject=subject, version=version)
    assert body["version"] == {"questionnaire": version.questionnaire.slug, "version": version.version}
    assert body["versions"] == [body["version"]]
    [row] = body["personas"]
    assert row["persona"] == str(persona.pk) and row["mapper"] == "persona-guidance v1" and row["runs"] == 2
    assert row["mad_own"] == pytest.approx(expected.personas[0].mad_own)
    assert row["dimensions_compared"] == expected.personas[0].dimensions_compared
    assert body["chosen_agent"] == row["agent"]
    assert [d["slug"] for d in body["dimensions"]] == [d.slug for d in expected.dimensions]
    extraversion = next(d for d in body["dimensions"] if d["slug"] == "extraversion")
    assert extraversion["difference"] == pytest.approx(abs(extraversion["persona"] - extraversion["own"]))
    assert body["others_shown"] is False and body["others_n"] == 0


def test_a_person_who_took_nothing_gets_an_empty_answer_and_cannot_run(api_client, user):
    subject = assessment_services.subject_get_or_create_for_user(user=user)
    persona = make_persona(subject)
    api_client.force_login(user)

    body = api_client.get(_url(subject)).json()
    assert body["version"] is None and body["versions"] == [] and body["personas"] == []

    response = api_client.post(_url(subject, "runs/"), {"persona": str(persona.pk), "runs": 1}, format="json")
    assert response.status_code == 400
    assert "no scored questionnaire" in response.json()["detail"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("?version=7", "version"),
        ("?questionnaire=not-taken", "version"),
        ("?persona_agent=not-a-uuid", "persona_agent"),
        ("?version=", "version"),
    ],
)
def test_bad_queries_are_a_400_naming_the_parameter(api_client, user, human, query, field):
    subject, _version = human
    api_client.force_login(user)

    response = api_client.get(_url(subject) + query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"persona": None, "runs": 1}, "persona"),
        ({"persona": "not-a-uuid", "runs": 1}, "persona"),
        ({"persona": "00000000-0000-0000-0000-000000000000", "runs": 1}, "persona"),
        ({"runs": 0}, "runs"),
        ({"runs": 1, "version": 99}, "version"),
    ],
)
def test_bad_run_input_is_a_400_naming_the_field(api_client, user, human, body, field):
    subject, _version = human
    persona = make_persona(subject)
    api_client.force_login(user)
    body = {"persona": str(persona.pk), **body}

    response = api_client.post(_url(subject, "runs/"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Benchmark.objects.exists()


def test_a_persona_that_is_not_ready_is_a_400(api_client, user, human):
    subject, _version = human
    persona = make_persona(subject, status="generating", persona_prompt="")
    api_client.force_login(user)

    response = api_client.post(_url(subject, "runs/"), {"persona": str(persona.pk), "runs": 1}, format="json")

    assert response.status_code == 400
    assert "persona" in response.json()["errors"]


def test_someone_elses_person_is_a_404_and_their_persona_a_400(api_client, user, other_user, human):
    subject, version = human
    scored_session(other_user, version, VALID_ANSWERS)
    theirs = assessment_services.subject_get_or_create_for_user(user=other_user)
    their_persona = make_persona(theirs)
    api_client.force_login(user)

    assert api_client.get(_url(theirs)).status_code == 404
    assert (
        api_client.post(
            _url(theirs, "runs/"), {"persona": str(their_persona.pk), "runs": 1}, format="json"
        ).status_code
        == 404
    )
    # Their persona run as if it were one of mine:
    response = api_client.post(
        _url(subject, "runs/"), {"persona": str(their_persona.pk), "runs": 1}, format="json"
    )
    assert response.status_code == 400
    assert not Benchmark.objects.exists()


def test_an_agent_has_no_fidelity(api_client, user):
    api_client.force_login(user)
    created = api_client.post("/api/v1/agents/", {"display_name": "A model", "model": "m"}, format="json")
    assert created.status_code == 201, created.content

    response = api_client.get(f"/api/v1/subjects/{created.json()['id']}/fidelity/")

    assert response.status_code == 404
