"""An agent takes a questionnaire N times through the fake OpenAI-compatible server."""

from __future__ import annotations

import pytest

from assessments import services as assessment_services
from assessments.benchmarks import services
from assessments.models import (
    AnalysisRun,
    AssessmentBatch,
    AssessmentSession,
    Benchmark,
    BenchmarkExchange,
    BenchmarkItemOutcome,
    BenchmarkRun,
    Response,
)
from personai.outbox import OutboxTask
from tests.assessments.factories import import_api_instrument

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _allow_local_hosts(settings):
    settings.BENCHMARK_ALLOWED_HOSTS = ["127.0.0.1"]


def make_agent(user, **meta):
    return services.agent_create(
        owner=user, display_name="fake agent", metadata={"model": "fake-model", **meta}
    )


def drain(benchmark: Benchmark) -> None:
    """What the worker does: run every queued run, then score every pending analysis run."""
    for _ in range(100):
        run = BenchmarkRun.objects.filter(benchmark=benchmark, status=BenchmarkRun.Status.QUEUED).first()
        if run is None:
            break
        services.benchmark_run_execute(run_id=run.pk)
    for run in AnalysisRun.objects.filter(session__benchmark_run__benchmark=benchmark, status="pending"):
        assessment_services.run_score(run_id=run.pk)
    services.batch_refresh(subject_id=benchmark.agent_id, version_id=benchmark.questionnaire_version_id)
    benchmark.refresh_from_db()


def test_valid_replies_give_n_scored_sessions(user, fake_llm):
    fake_llm.reply = "1"
    version = import_api_instrument()
    agent = make_agent(user)
    benchmark = services.benchmark_start(
        owner=user, agent=agent, version=version, runs=3, concurrency=2, seed=7
    )
    assert BenchmarkRun.objects.filter(benchmark=benchmark, status="queued").count() == 2
    assert OutboxTask.objects.filter(task_type=services.RUN_TASK).count() == 2
    drain(benchmark)
    assert benchmark.status == Benchmark.Status.DONE
    sessions = AssessmentSession.objects.filter(subject=agent, respondent_kind="agent")
    assert sessions.count() == 3
    assert all(session.status == AssessmentSession.Status.SCORED for session in sessions)
    assert BenchmarkItemOutcome.objects.filter(run__benchmark=benchmark, valid=False).count() == 0
    batch = AssessmentBatch.objects.get(subject=agent, questionnaire_version=version)
    assert batch.session_count == 3
    assert batch.stats["extraversion"]["n"] == 3
    assert batch.stats["extraversion"]["invalid_rate"] == 0


def test_the_answer_maps_back_to_the_shuffled_option(user, fake_llm):
    fake_llm.reply = "1"
    version = import_api_instrument()
    benchmark = services.benchmark_start(owner=user, agent=make_agent(user), version=version, runs=2, seed=11)
    drain(benchmark)
    for run in benchmark.runs.all():
        shown_first = run.option_orders["q2"][0]
        response = Response.objects.get(session=run.session, item__key="q2")
        assert response.selected_option.key == shown_first
        assert response.session.responses.get(item__key="q1").value_boolean is (
            run.option_orders["q1"][0] == "true"
        )


def test_shuffles_are_reproducible_from_the_seed(user, fake_llm):
    version = import_api_instrument()
    agent = make_agent(user)
    first = services.benchmark_start(owner=user, agent=agent, version=version, runs=4, seed=123)
    second = services.benchmark_start(owner=user, agent=agent, version=version, runs=4, seed=123)
    plans = [
        [(run.seed, run.item_order, run.option_orders) for run in b.runs.order_by("index")]
        for b in (first, second)
    ]
    assert plans[0] == plans[1]
    orders = {tuple(run.option_orders["q2"]) for run in first.runs.all()} | {
        tuple(run.item_order) for run in first.runs.all()
    }
    assert len(orders) > 2  # really permuted


def test_garbage_replies_are_retried_then_recorded_invalid(user, fake_llm):
    fake_llm.reply = "I would rather not say."
    version = import_api_instrument()
    benchmark = services.benchmark_start(
        owner=user, agent=make_agent(user), version=version, runs=1, seed=1, max_retries=2
    )
    drain(benchmark)
    assert benchmark.status == Benchmark.Status.DONE
    run = benchmark.runs.get()
    invalid = BenchmarkItemOutcome.objects.filter(run=run, valid=False)
    assert set(invalid.values_list("item_key", flat=True)) == {"q1", "q2", "q3", "q4", "q7"}
    assert all(outcome.attempts == 3 for outcome in invalid)
    assert BenchmarkExchange.objects.filter(run=run, item_key="q2").count() == 3
    # Never guessed: no answer stored for an invalid item; the session is still scored.
    assert not Response.objects.filter(
        session=run.session, item__key__in=["q1", "q2", "q3", "q4", "q7"]
    ).exists()
    run.session.refresh_from_db()
    assert run.session.status == AssessmentSession.Status.SCORED
    batch = AssessmentBatch.objects.get(subject=benchmark.agent)
    assert batch.stats["extraversion"]["invalid_rate"] == 1.0
    # A domain counts the items of its facets too, so none is left without a rate.
    assert {entry["invalid_rate"] for entry in batch.stats.values()} == {1.0}
    # No answer, no score: the scorer's placeholder 0 is not averaged in.
    assert batch.stats["extraversion"]["n"] == 0 and batch.stats["extraversion"]["mean"] is None


def test_cancel_stops_further_runs(user, fake_llm):
    fake_llm.reply = "1"
    version = import_api_instrument()
    benchmark = services.benchmark_start(owner=user, agent=make_agent(user), version=version, runs=3, seed=3)
    services.benchmark_cancel(benchmark=benchmark)
    drain(benchmark)
    assert benchmark.status == Benchmark.Status.CANCELLED
    assert not fake_llm.requests_to("/v1/chat/completions")
    assert set(benchmark.runs.values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(services.BenchmarkError):
        services.benchmark_cancel(benchmark=benchmark)


def test_a_resumed_run_answers_each_item_once(user, fake_llm, monkeypatch):
    fake_llm.reply = "1"
    version = import_api_instrument()
    benchmark = services.benchmark_start(owner=user, agent=make_agent(user), version=version, runs=1, seed=5)
    run = benchmark.runs.get()
    real_answer = services._answer_item
    calls = {"n": 0}

    def dies_after_three(*args, **kwargs):
        if calls["n"] == 3:
            raise KeyboardInterrupt("worker killed")
        calls["n"] += 1
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(services, "_answer_item", dies_after_three)
    with pytest.raises(KeyboardInterrupt):
        services.benchmark_run_execute(run_id=run.pk)
    assert BenchmarkItemOutcome.objects.filter(run=run).count() == 3
    monkeypatch.setattr(services, "_answer_item", real_answer)
    services.benchmark_run_execute(run_id=run.pk)  # the outbox hands the task out again
    keys = list(BenchmarkExchange.objects.filter(run=run).values_list("item_key", flat=True))
    assert len(keys) == len(set(keys)) >= 6  # q5 is asked only after a "yes" to q1
    assert set(keys) == set(BenchmarkItemOutcome.objects.filter(run=run).values_list("item_key", flat=True))
    run.refresh_from_db()
    assert run.status == BenchmarkRun.Status.DONE


def test_an_unreachable_endpoint_fails_fast_with_the_reason(user, fake_llm):
    version = import_api_instrument()
    agent = make_agent(user, base_url="http://127.0.0.1:9/v1")
    benchmark = services.benchmark_start(owner=user, agent=agent, version=version, runs=3, seed=1)
    drain(benchmark)
    assert benchmark.status == Benchmark.Status.FAILED
    assert "Could not connect" in benchmark.error
    assert benchmark.runs.filter(status="failed").count() == 1
    assert benchmark.runs.filter(status="cancelled").count() == 2


def test_the_api_key_comes_from_the_environment_and_is_never_stored(user, fake_llm, monkeypatch):
    fake_llm.reply = "1"
    monkeypatch.setenv("AGENT_API_KEY_FAKE", fake_llm.api_key)
    version = import_api_instrument()
    agent = make_agent(user, base_url=fake_llm.base_url, api_key_env="AGENT_API_KEY_FAKE")
    benchmark = services.benchmark_start(owner=user, agent=agent, version=version, runs=1, seed=1)
    drain(benchmark)
    assert benchmark.status == Benchmark.Status.DONE
    request = fake_llm.requests_to("/v1/chat/completions")[0]
    assert request.headers["authorization"] == f"Bearer {fake_llm.api_key}"
    assert fake_llm.api_key not in str(agent.metadata)
    assert not BenchmarkExchange.objects.filter(messages__icontains=fake_llm.api_key).exists()


def test_a_missing_key_variable_fails_the_benchmark(user, fake_llm):
    version = import_api_instrument()
    agent = make_agent(user, base_url=fake_llm.base_url, api_key_env="AGENT_API_KEY_NOT_SET_ANYWHERE")
    benchmark = services.benchmark_start(owner=user, agent=agent, version=version, runs=1, seed=1)
    drain(benchmark)
    assert benchmark.status == Benchmark.Status.FAILED
    assert "AGENT_API_KEY_NOT_SET_ANYWHERE" in benchmark.error


def test_a_long_run_hands_the_rest_to_a_continuation(user, fake_llm):
    fake_llm.reply = "1"
    version = import_api_instrument()
    benchmark = services.benchmark_start(owner=user, agent=make_agent(user), version=version, runs=1, seed=2)
    run = benchmark.runs.get()
    services.benchmark_run_execute(run_id=run.pk, max_seconds=0)  # one item, then the slice is over
    assert BenchmarkItemOutcome.objects.filter(run=run).count() == 1
    assert OutboxTask.objects.filter(
        task_type=services.RUN_TASK, dedupe_key=f"benchmark-run:{run.pk}:1"
    ).exists()
    services.benchmark_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == BenchmarkRun.Status.DONE


def test_a_scored_agent_run_enqueues_its_batch_refresh(user, fake_llm):
    fake_llm.reply = "1"
    version = import_api_instrument()
    benchmark = services.benchmark_start(owner=user, agent=make_agent(user), version=version, runs=1, seed=2)
    drain(benchmark)
    assert OutboxTask.objects.filter(task_type=services.BATCH_TASK).count() == 2  # the run's, the finish's


def test_the_command_runs_in_the_foreground_and_prints_a_summary(user, fake_llm, settings):
    from io import StringIO

    from django.core.management import call_command

    fake_llm.reply = "1"
    import_api_instrument()
    user.is_superuser = True
    user.save()
    out = StringIO()
    call_command(
        "benchmark_llm",
        "--questionnaire",
        "api-check",
        "--runs",
        "2",
        "--concurrency",
        "1",
        "--seed",
        "4",
        stdout=out,
    )
    text = out.getvalue()
    assert "2 runs" in text and "extraversion" in text
    benchmark = Benchmark.objects.get()
    assert benchmark.status == Benchmark.Status.DONE
    assert not OutboxTask.objects.filter(task_type=services.RUN_TASK).exists()  # nothing for the workers
    assert AssessmentSession.objects.filter(respondent_kind="agent", status="scored").count() == 2


def test_a_user_may_not_point_an_agent_at_any_host(user, settings):
    settings.BENCHMARK_ALLOWED_HOSTS = ["api.openai.com"]
    with pytest.raises(services.BenchmarkError) as caught:
        make_agent(user, base_url="http://169.254.169.254/v1")
    assert "base_url" in caught.value.errors
    assert (
        make_agent(user, base_url="https://api.openai.com/v1").metadata["base_url"]
        == "https://api.openai.com/v1"
    )
    user.is_staff = True
    assert (
        make_agent(user, base_url="http://10.0.0.5:8000/v1").metadata["base_url"] == "http://10.0.0.5:8000/v1"
    )


def test_a_batch_of_items_per_prompt_answers_each_item_once(user, fake_llm):
    fake_llm.reply = "1: 1\n2: 1\n3: 1"
    version = import_api_instrument()
    benchmark = services.benchmark_start(
        owner=user, agent=make_agent(user), version=version, runs=1, seed=4, items_per_prompt=3
    )
    drain(benchmark)
    assert benchmark.status == Benchmark.Status.DONE
    run = benchmark.runs.get()
    outcomes = list(BenchmarkItemOutcome.objects.filter(run=run).values_list("item_key", "valid"))
    keys = [key for key, _valid in outcomes]
    assert len(keys) == len(set(keys)) >= 6 and all(valid for _key, valid in outcomes)
    prompts = fake_llm.requests_to("/v1/chat/completions")
    assert len(prompts) == 3  # 7 items (q5 shown after q1 = yes) in batches of 3
    assert "Statement 3:" in prompts[0].body["messages"][1]["content"]
    run.session.refresh_from_db()
    assert run.session.status == AssessmentSession.Status.SCORED


def test_a_batch_asks_again_only_for_the_statements_it_could_not_use(user, fake_llm):
    fake_llm.reply = "1: 1\n2: banana"
    version = import_api_instrument()
    benchmark = services.benchmark_start(
        owner=user, agent=make_agent(user), version=version, runs=1, seed=4, items_per_prompt=2, max_retries=1
    )
    drain(benchmark)
    run = benchmark.runs.get()
    first = BenchmarkExchange.objects.filter(run=run).order_by("id")[:2]
    assert first[0].attempt == 1 and not first[0].valid
    retry = first[1].messages[-1]["content"]
    assert first[1].attempt == 2 and "statement 2" in retry and "statement 1:" not in retry
    invalid = BenchmarkItemOutcome.objects.filter(run=run, valid=False)
    valid = BenchmarkItemOutcome.objects.filter(run=run, valid=True)
    assert invalid.exists() and valid.exists()
    assert all(outcome.attempts == 2 for outcome in invalid)
    assert not Response.objects.filter(session=run.session, item__key__in=invalid.values("item_key")).exists()


def test_items_per_prompt_above_the_cap_is_refused(user):
    version = import_api_instrument()
    with pytest.raises(services.BenchmarkError) as caught:
        services.benchmark_start(
            owner=user, agent=make_agent(user), version=version, runs=1, items_per_prompt=11
        )
    assert "items_per_prompt" in caught.value.errors


def test_structured_output_sends_a_json_schema_of_the_shown_numbers(user, fake_llm):
    fake_llm.reply = "2"
    version = import_api_instrument()
    agent = make_agent(user, structured_output="value")
    benchmark = services.benchmark_start(owner=user, agent=agent, version=version, runs=1, seed=1)
    drain(benchmark)
    bodies = [request.body for request in fake_llm.requests_to("/v1/chat/completions")]
    likert = next(body for body in bodies if "I take charge." in body["messages"][1]["content"])
    assert likert["response_format"]["json_schema"]["schema"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}
    text = next(body for body in bodies if "Anything else?" in body["messages"][1]["content"])
    assert "response_format" not in text
    with pytest.raises(services.BenchmarkError):
        make_agent(user, structured_output="grammar")
