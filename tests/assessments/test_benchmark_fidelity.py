"""Persona fidelity: a persona takes its human's questionnaire as an agent whose system prompt is
its persona prompt; the page compares it with the human's own scores and others' aggregate."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from scipy import stats as scipy_stats

from assessments import services as assessment_services
from assessments.benchmarks import fidelity, services
from assessments.models import AssessmentBatch, Benchmark, SubjectProfile
from tests.assessments.factories import VALID_ANSWERS, survey_response
from tests.assessments.test_benchmark_runs import drain
from tests.personas.persona_factories import make_persona

pytestmark = pytest.mark.django_db


def benchmark_persona(user, persona, version, runs=2):
    benchmark = services.fidelity_start(owner=user, persona=persona, version=version, runs=runs, seed=3)
    drain(benchmark)
    return benchmark


def test_a_persona_answers_with_its_prompt_and_its_fidelity_is_computed(user, human, fake_llm):
    fake_llm.reply = "1"
    subject, version = human
    persona = make_persona(
        subject,
        persona_prompt="You are Ada, bold and calm.",
        mapper_config_id="persona-guidance",
        mapper_version=1,
    )
    benchmark = benchmark_persona(user, persona, version)
    assert benchmark.status == Benchmark.Status.DONE
    system = fake_llm.requests_to("/v1/chat/completions")[0].body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("You are Ada, bold and calm.")
    agent = benchmark.agent
    assert agent.metadata["persona_id"] == str(persona.pk)
    assert agent.metadata["mapper_version"] == 1

    result = fidelity.fidelity(owner=user, subject=subject, version=version)
    [row] = result.personas
    assert row.runs == 2 and row.mapper == "persona-guidance v1"
    # By hand: the 0–1 scores of every dimension both have, then |diff| and Pearson's r.
    batch = AssessmentBatch.objects.get(subject=agent, questionnaire_version=version)
    pairs = [
        (d.own, batch.stats[d.slug]["unit_mean"])
        for d in result.dimensions
        if d.own is not None and batch.stats.get(d.slug, {}).get("unit_mean") is not None
    ]
    assert len(pairs) == row.dimensions_compared >= 3
    assert row.mad_own == pytest.approx(sum(abs(a - b) for a, b in pairs) / len(pairs))
    own, persona_scores = zip(*pairs, strict=True)
    if len(set(own)) > 1 and len(set(persona_scores)) > 1:
        assert row.r_own == pytest.approx(scipy_stats.pearsonr(own, persona_scores).statistic)
    assert all(0.0 <= value <= 1.0 for pair in pairs for value in pair)
    assert row.mad_others is None  # nobody else answered


def test_others_count_only_from_the_surveys_min_n(user, human, fake_llm):
    fake_llm.reply = "1"
    subject, version = human
    persona = make_persona(subject)
    benchmark_persona(user, persona, version, runs=1)
    survey = assessment_services.survey_create(owner=user, version=version, min_responses_to_show=3)
    for responder in ("a", "b"):
        survey_response(survey, {**VALID_ANSWERS, "q2": "2"}, responder=responder)
    hidden = fidelity.fidelity(owner=user, subject=subject, version=version)
    assert not hidden.others_shown
    assert all(d.others is None for d in hidden.dimensions)
    assert hidden.personas[0].mad_others is None
    survey_response(survey, {**VALID_ANSWERS, "q2": "4"}, responder="c")
    shown = fidelity.fidelity(owner=user, subject=subject, version=version)
    assert shown.others_shown and shown.others_n == 3
    extraversion = next(d for d in shown.dimensions if d.slug == "extraversion")
    assert extraversion.others is not None and extraversion.others_n == 3
    assert shown.personas[0].mad_others is not None


def test_each_persona_version_is_listed_with_its_mapper_version(user, human, fake_llm):
    fake_llm.reply = "1"
    subject, version = human
    first = make_persona(subject, mapper_config_id="persona-guidance", mapper_version=1)
    benchmark_persona(user, first, version, runs=1)
    regenerated = make_persona(
        subject, mapper_config_id="persona-guidance", mapper_version=2, persona_prompt="You are reserved."
    )
    benchmark_persona(user, regenerated, version, runs=1)
    benchmark_persona(user, regenerated, version, runs=1)  # re-run: the same agent, more runs
    result = fidelity.fidelity(owner=user, subject=subject, version=version)
    by_mapper = {row.mapper: row for row in result.personas}
    assert set(by_mapper) == {"persona-guidance v1", "persona-guidance v2"}
    assert by_mapper["persona-guidance v2"].runs == 2
    assert (
        SubjectProfile.objects.filter(
            subject_type="agent", metadata__persona_subject_id=str(subject.pk)
        ).count()
        == 2
    )


def test_a_persona_that_is_not_ready_cannot_take_it(user, human):
    subject, version = human
    persona = make_persona(subject, status="generating", persona_prompt="")
    with pytest.raises(services.BenchmarkError) as caught:
        services.fidelity_start(owner=user, persona=persona, version=version, runs=1)
    assert "persona" in caught.value.errors


def test_the_page_shows_the_three_columns_and_fidelity(
    client, user, human, fake_llm, django_assert_max_num_queries
):
    fake_llm.reply = "1"
    subject, version = human
    persona = make_persona(subject, mapper_config_id="persona-guidance", mapper_version=1)
    benchmark_persona(user, persona, version)
    client.force_login(user)
    with django_assert_max_num_queries(40):
        page = client.get(f"/benchmarks/fidelity/{subject.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    for text in (
        "Own score",
        "Others (aggregate)",
        "Persona mean",
        "persona-guidance v1",
        "Mean |diff| to own",
    ):
        assert text in body


def test_the_page_starts_a_persona_benchmark_and_checks_its_input(client, user, human, fake_llm, settings):
    settings.BENCHMARK_MAX_RUNS = 10
    subject, version = human
    persona = make_persona(subject)
    client.force_login(user)
    url = f"/benchmarks/fidelity/{subject.pk}/run/"
    too_many = client.post(url, {"persona": persona.pk, "version": version.pk, "runs": 11, "concurrency": 1})
    assert too_many.status_code == 400
    assert "Give a number of runs from 1 to 10." in too_many.content.decode()
    assert not Benchmark.objects.exists()
    started = client.post(url, {"persona": persona.pk, "version": version.pk, "runs": 2, "concurrency": 1})
    assert started.status_code == 302
    benchmark = Benchmark.objects.get()
    assert started["Location"] == f"/benchmarks/{benchmark.pk}/"
    assert benchmark.agent.metadata["persona_id"] == str(persona.pk)


def test_other_peoples_fidelity_and_personas_are_not_found(client, user, other_user, human):
    subject, version = human
    persona = make_persona(subject)
    client.force_login(other_user)
    assert client.get(f"/benchmarks/fidelity/{subject.pk}/").status_code == 404
    response = client.post(
        f"/benchmarks/fidelity/{subject.pk}/run/", {"persona": persona.pk, "runs": 1, "concurrency": 1}
    )
    assert response.status_code == 404
    # Their own page cannot run someone else's persona either.
    theirs = assessment_services.subject_get_or_create_for_user(user=other_user)
    response = client.post(
        f"/benchmarks/fidelity/{theirs.pk}/run/", {"persona": persona.pk, "runs": 1, "concurrency": 1}
    )
    assert response.status_code == 404
    assert not Benchmark.objects.exists()
    client.logout()
    assert client.get(f"/benchmarks/fidelity/{subject.pk}/").status_code == 302


def test_the_command_benchmarks_a_persona(user, human, fake_llm):
    from io import StringIO

    fake_llm.reply = "1"
    subject, version = human
    persona = make_persona(subject, persona_prompt="You are Ada.")
    user.is_superuser = True
    user.save()
    out = StringIO()
    call_command(
        "benchmark_llm",
        "--questionnaire",
        "api-check",
        "--runs",
        "2",
        "--persona",
        str(persona.pk),
        stdout=out,
    )
    assert "2 runs" in out.getvalue() and "fidelity" in out.getvalue().lower()
    benchmark = Benchmark.objects.get()
    assert benchmark.status == Benchmark.Status.DONE
    assert benchmark.agent.metadata["persona_id"] == str(persona.pk)
    assert (
        fake_llm.requests_to("/v1/chat/completions")[0]
        .body["messages"][0]["content"]
        .startswith("You are Ada.")
    )
