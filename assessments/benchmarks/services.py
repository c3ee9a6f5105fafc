"""Writes and workflows of LLM benchmarks: agent subjects, benchmarks, runs, batches.

A benchmark's runs are executed by the outbox handler `assessments.benchmark_run` (one task per
run, at most `concurrency` queued at once: a finishing run queues the next). A run is resumable:
every item's outcome (valid answer, or invalid after the retries) is committed together with its
`Response` as it arrives, and a re-run task skips the items already settled. Sessions, answers,
submission and scoring go through `assessments.services`, so a run is an ordinary scored session.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import scoring
from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from assessments.benchmarks import prompting, stats
from assessments.benchmarks.errors import BenchmarkError
from assessments.models import (
    AssessmentBatch,
    AssessmentSession,
    Benchmark,
    BenchmarkExchange,
    BenchmarkItemOutcome,
    BenchmarkRun,
    QuestionnaireEventLog,
    SubjectProfile,
)
from personai import llm, outbox
from questionnaires.models import QuestionnaireVersion

logger = logging.getLogger(__name__)

RUN_TASK = "assessments.benchmark_run"
BATCH_TASK = "assessments.benchmark_batch_refresh"

# An agent's API key is read from an environment variable whose name starts with this, so an
# agent can never be pointed at SECRET_KEY, DATABASE_URL or the server's own LLM_API_KEY and send
# it to a server of the agent owner's choosing.
API_KEY_ENV_PREFIX = "AGENT_API_KEY_"
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")
AGENT_FIELDS = (
    "model",
    "base_url",
    "api_key_env",
    "temperature",
    "max_tokens",
    "seed",
    "system_prompt",
    "price_per_1k_tokens",
    "structured_output",
)

# An agent that plays a persona carries these in its metadata (set by the fidelity service, never
# by a request), so its runs can be compared with the persona's human per persona and mapper version.
PERSONA_FIELDS = ("persona_id", "persona_subject_id", "mapper_config_id", "mapper_version")


# A batch prompt asks this many items at most (longer ones confuse small models and exceed the
# reply budget).
MAX_ITEMS_PER_PROMPT = 10


def max_runs() -> int:
    return int(getattr(settings, "BENCHMARK_MAX_RUNS", 100))


def max_concurrency() -> int:
    return int(getattr(settings, "BENCHMARK_MAX_CONCURRENCY", 4))


def default_retries() -> int:
    return int(getattr(settings, "BENCHMARK_MAX_RETRIES", 2))


# --------------------------------------------------------------------------- agent subjects


def allowed_hosts() -> list[str]:
    return [host.lower() for host in getattr(settings, "BENCHMARK_ALLOWED_HOSTS", [])]


def agent_metadata_clean(raw: dict[str, Any], *, trusted: bool = True) -> dict[str, Any]:
    """Validate an agent's settings; raises BenchmarkError naming every bad field.

    Workers send requests to an agent's base URL, so an untrusted (non-staff) owner may only name
    hosts in BENCHMARK_ALLOWED_HOSTS: otherwise anyone with an account could make the workers
    call internal addresses (cloud metadata, the database) and read error bodies back.
    """
    errors: dict[str, str] = {}
    if "api_key" in raw:
        errors["api_key"] = (
            "Never send an API key: put it in an environment variable of the server and give its "
            f"name as api_key_env (it must start with {API_KEY_ENV_PREFIX})."
        )
    unknown = sorted(set(raw) - set(AGENT_FIELDS) - set(PERSONA_FIELDS) - {"api_key"})
    for key in unknown:
        errors[key] = f"Unknown field; the agent's settings are: {', '.join(AGENT_FIELDS)}."
    clean: dict[str, Any] = {}
    model = raw.get("model", "")
    if not isinstance(model, str) or not model.strip() or len(model) > 200:
        errors["model"] = "Name the model (1–200 characters), e.g. gpt-4o-2024-08-06."
    else:
        clean["model"] = model.strip()
    base_url = raw.get("base_url") or ""
    if not isinstance(base_url, str):
        errors["base_url"] = "Give the base URL as text, e.g. https://api.openai.com/v1."
    elif base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            errors["base_url"] = "Give an http(s) base URL, e.g. https://api.openai.com/v1."
        elif parts.username or parts.password or parts.query or parts.fragment:
            errors["base_url"] = "Give the base URL only: no user name, password, query or fragment."
        elif len(base_url) > 500:
            errors["base_url"] = "The base URL is too long (at most 500 characters)."
        elif not trusted and parts.hostname.lower() not in allowed_hosts():
            allowed = ", ".join(allowed_hosts()) or "none are configured"
            errors["base_url"] = f"Only staff may choose this host; allowed hosts: {allowed}."
        else:
            clean["base_url"] = base_url.rstrip("/")
    api_key_env = raw.get("api_key_env") or ""
    if api_key_env:
        if not isinstance(api_key_env, str) or not _ENV_NAME.match(api_key_env):
            errors["api_key_env"] = "Give the name of an environment variable (capitals, digits, _)."
        elif not api_key_env.startswith(API_KEY_ENV_PREFIX):
            errors["api_key_env"] = f"The variable's name must start with {API_KEY_ENV_PREFIX}."
        else:
            clean["api_key_env"] = api_key_env
    if api_key_env and not base_url and "api_key_env" not in errors:
        errors["api_key_env"] = "An API key is only used with your own base_url."
    for name, low, high in (("temperature", 0.0, 2.0), ("price_per_1k_tokens", 0.0, 1000.0)):
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not (low <= value <= high):
            errors[name] = f"Give a number from {low:g} to {high:g}."
        else:
            clean[name] = float(value)
    for name, low, high in (("max_tokens", 1, 32_000), ("seed", 0, 2**31 - 1)):
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
            errors[name] = f"Give a whole number from {low} to {high}."
        else:
            clean[name] = value
    system_prompt = raw.get("system_prompt") or ""
    if not isinstance(system_prompt, str) or len(system_prompt) > 20_000:
        errors["system_prompt"] = "Give the system prompt as text of at most 20,000 characters."
    else:
        clean["system_prompt"] = system_prompt
    structured = raw.get("structured_output") or ""
    if structured:
        if structured not in prompting.STRUCTURED_OUTPUT_FORMS:
            errors["structured_output"] = (
                'Give "object" (the answer as JSON {"answer": …}, as OpenAI accepts) or "value" (the bare '
                "answer; llama.cpp, vLLM, Ollama), or leave it empty for plain text."
            )
        else:
            clean["structured_output"] = structured
    if trusted:  # kept as they are when staff edit a persona's agent in the admin
        clean.update({key: raw[key] for key in PERSONA_FIELDS if key in raw})
    else:
        for key in PERSONA_FIELDS:
            if key in raw:
                errors[key] = "Set only when a persona takes a questionnaire."
    if errors:
        raise BenchmarkError("Some of the agent's settings are invalid.", errors)
    return clean


@transaction.atomic
def agent_create(*, owner, display_name: str, metadata: dict[str, Any]) -> SubjectProfile:
    name = (display_name or "").strip()
    clean = agent_metadata_clean(metadata, trusted=owner.is_staff)
    if not name or len(name) > 200:
        raise BenchmarkError("Name the agent.", {"display_name": "Give a name of 1–200 characters."})
    return SubjectProfile.objects.create(
        subject_type=SubjectProfile.SubjectType.AGENT, owner=owner, display_name=name, metadata=clean
    )


@transaction.atomic
def persona_agent_get_or_create(
    *, owner, persona, model_settings: dict[str, Any] | None = None
) -> SubjectProfile:
    """The agent (owned by `owner`) whose system prompt is the persona's `persona_prompt`.

    One agent per persona version and model settings, so a regenerated persona is a new agent
    and its fidelity is listed beside the older ones'. The caller checks that `owner` may see the
    persona's prompt.
    """
    from personai import llm

    if persona.status != "ready" or not (persona.persona_prompt or "").strip():
        raise BenchmarkError(
            "The persona is not ready.",
            {"persona": "Only a ready persona with a prompt can take a questionnaire."},
        )
    raw = {key: value for key, value in (model_settings or {}).items() if value not in (None, "")}
    raw.setdefault("model", llm.chat_model()[0] or "")
    raw["system_prompt"] = persona.persona_prompt
    clean = agent_metadata_clean(raw, trusted=owner.is_staff)
    persona_meta = {
        "persona_id": str(persona.pk),
        "persona_subject_id": str(persona.subject_id),
        "mapper_config_id": persona.mapper_config_id or "",
        "mapper_version": persona.mapper_version,
    }
    existing = SubjectProfile.objects.filter(
        owner=owner, subject_type=SubjectProfile.SubjectType.AGENT, metadata={**clean, **persona_meta}
    ).first()
    if existing is not None:
        return existing
    mapper = (
        f"{persona.mapper_config_id} v{persona.mapper_version}" if persona.mapper_config_id else "no mapper"
    )
    name = f"Persona {persona.name or persona.subject.display_name} ({mapper}, {persona.created_at:%Y-%m-%d %H:%M})"
    return SubjectProfile.objects.create(
        subject_type=SubjectProfile.SubjectType.AGENT,
        owner=owner,
        display_name=name[:200],
        metadata={**clean, **persona_meta},
    )


def _agent_call_settings(agent: SubjectProfile) -> dict[str, Any]:
    """Keyword arguments for llm.chat; reads the API key from the environment at call time."""
    meta = agent.metadata or {}
    kwargs: dict[str, Any] = {
        "model": meta.get("model") or None,
        "temperature": meta.get("temperature"),
        "max_tokens": meta.get("max_tokens"),
        "seed": meta.get("seed"),
    }
    if meta.get("base_url"):
        kwargs["base_url"] = meta["base_url"]
        env_name = meta.get("api_key_env") or ""
        if env_name:
            if not env_name.startswith(API_KEY_ENV_PREFIX):  # edited by hand in the database
                raise ImproperlyConfigured(f"api_key_env must start with {API_KEY_ENV_PREFIX}.")
            key = os.environ.get(env_name)
            if not key:
                raise ImproperlyConfigured(
                    f"The environment variable {env_name} (the agent's API key) is not set."
                )
            kwargs["api_key"] = key
    return kwargs


# --------------------------------------------------------------------------- starting and cancelling


def _prompt_items(version_id: int) -> dict[str, prompting.PromptItem]:
    """Every item of the version as the agent sees it, options in canonical order."""
    version = assessment_selectors.version_with_items(version_id)
    items: dict[str, prompting.PromptItem] = {}
    for item in version.items.all():
        config = item.config
        kind = item.bank_item.question_type
        options = tuple(
            prompting.PromptOption(key=option.key, label=option.label)
            for option in sorted(item.bank_item.options.all(), key=lambda o: (o.sort_order, o.pk))
        )
        if kind == "boolean":
            options = prompting.BOOLEAN_OPTIONS
        items[item.key] = prompting.PromptItem(
            key=item.key,
            type=kind,
            text=item.text_in(None),
            options=options,
            minimum=config.get("min"),
            maximum=config.get("max"),
            step=config.get("step"),
            min_selected=int(config.get("min_selected") or 0),
            max_selected=config.get("max_selected"),
            max_length=config.get("max_length"),
        )
    return items


@transaction.atomic
def benchmark_start(
    *,
    owner,
    agent: SubjectProfile,
    version: QuestionnaireVersion,
    runs: int,
    concurrency: int = 1,
    seed: int | None = None,
    max_retries: int | None = None,
    items_per_prompt: int = 1,
    queue: bool = True,
) -> Benchmark:
    """Create the benchmark and its runs, and queue the first `concurrency` of them (outbox).

    `queue=False` is for a foreground caller (``manage.py benchmark_llm``) that executes every run
    itself: all runs are marked queued with no outbox task, so none is handed to a worker.
    """
    errors: dict[str, str] = {}
    if agent.subject_type != SubjectProfile.SubjectType.AGENT:
        errors["agent"] = "Choose an agent subject."
    if not version.is_published:
        errors["version"] = f"Version {version.version} of {version.questionnaire.slug} is not published."
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= max_runs():
        errors["runs"] = f"Give a number of runs from 1 to {max_runs()}."
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= max_concurrency()
    ):
        errors["concurrency"] = f"Give a concurrency from 1 to {max_concurrency()}."
    retries = default_retries() if max_retries is None else max_retries
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 5:
        errors["max_retries"] = "Give a number of retries from 0 to 5."
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**62):
        errors["seed"] = "Give a seed from 0 to 2^62."
    if (
        isinstance(items_per_prompt, bool)
        or not isinstance(items_per_prompt, int)
        or not 1 <= items_per_prompt <= MAX_ITEMS_PER_PROMPT
    ):
        errors["items_per_prompt"] = f"Give a number of items per prompt from 1 to {MAX_ITEMS_PER_PROMPT}."
    if errors:
        raise BenchmarkError("The benchmark cannot start.", errors)
    seed = random.SystemRandom().getrandbits(48) if seed is None else seed
    items = _prompt_items(version.pk)
    benchmark = Benchmark.objects.create(
        owner=owner,
        agent=agent,
        questionnaire_version=version,
        runs_requested=runs,
        concurrency=concurrency,
        max_retries=retries,
        seed=seed,
        items_per_run=len(items),
        items_per_prompt=items_per_prompt,
    )
    keys = list(items)
    option_keys = {key: [option.key for option in item.options] for key, item in items.items()}
    rows = []
    for index in range(runs):
        run_seed = prompting.run_seed(seed, index)
        order, option_orders = prompting.shuffle_plan(run_seed, keys, option_keys)
        rows.append(
            BenchmarkRun(
                benchmark=benchmark, index=index, seed=run_seed, item_order=order, option_orders=option_orders
            )
        )
    BenchmarkRun.objects.bulk_create(rows)
    if queue:
        _queue_next_runs(benchmark)
    else:
        benchmark.runs.update(status=BenchmarkRun.Status.QUEUED)
    return benchmark


def _queue_next_runs(benchmark: Benchmark) -> int:
    """Queue pending runs until `concurrency` are queued or running (caller holds the lock)."""
    active = benchmark.runs.filter(
        status__in=[BenchmarkRun.Status.QUEUED, BenchmarkRun.Status.RUNNING]
    ).count()
    free = benchmark.concurrency - active
    if free <= 0:
        return 0
    pending = list(benchmark.runs.filter(status=BenchmarkRun.Status.PENDING).order_by("index")[:free])
    for run in pending:
        BenchmarkRun.objects.filter(pk=run.pk).update(status=BenchmarkRun.Status.QUEUED)
        outbox.enqueue(RUN_TASK, {"run_id": run.pk}, dedupe_key=f"benchmark-run:{run.pk}")
    return len(pending)


@transaction.atomic
def benchmark_cancel(*, benchmark: Benchmark) -> Benchmark:
    """Stop a benchmark: no further runs start, running ones stop before their next item."""
    benchmark = Benchmark.objects.select_for_update().get(pk=benchmark.pk)
    if benchmark.is_finished:
        raise BenchmarkError(f"The benchmark is already {benchmark.get_status_display().lower()}.")
    now = timezone.now()
    Benchmark.objects.filter(pk=benchmark.pk).update(status=Benchmark.Status.CANCELLED, finished_at=now)
    benchmark.runs.filter(status__in=[BenchmarkRun.Status.PENDING, BenchmarkRun.Status.QUEUED]).update(
        status=BenchmarkRun.Status.CANCELLED, finished_at=now
    )
    benchmark.refresh_from_db()
    return benchmark


# --------------------------------------------------------------------------- executing one run


class _Stop(Exception):
    """The benchmark was cancelled or failed meanwhile: stop this run where it is."""


def slice_seconds() -> float:
    return float(getattr(settings, "BENCHMARK_SLICE_SECONDS", 120.0))


def benchmark_run_execute(*, run_id: int, max_seconds: float | None = None) -> None:
    """Run one benchmark run (outbox handler; idempotent and resumable).

    With `max_seconds`, a run still unfinished after that long hands the rest to a continuation
    task through the outbox and returns, so a long run never meets the worker's time limit.
    """
    started = time.monotonic()
    run = _run_claim(run_id)
    if run is None:
        return
    benchmark = run.benchmark
    try:
        call = _agent_call_settings(benchmark.agent)
        session = run.session
        plan = assessment_selectors.scoring_plan(benchmark.questionnaire_version_id)
        items = _prompt_items(benchmark.questionnaire_version_id)
        instructions = QuestionnaireVersion.objects.values_list("instructions", flat=True).get(
            pk=benchmark.questionnaire_version_id
        )
        answered_here = 0  # at least one item per slice, so every slice makes progress
        while True:
            _assert_not_stopped(benchmark.pk)
            keys = _next_items(run, session, plan.instrument, benchmark.items_per_prompt)
            if not keys:
                break
            if answered_here and max_seconds is not None and time.monotonic() - started > max_seconds:
                settled = run.outcomes.count()
                outbox.enqueue(RUN_TASK, {"run_id": run.pk}, dedupe_key=f"benchmark-run:{run.pk}:{settled}")
                return
            shown = [_shuffled(items[key], run.option_orders.get(key)) for key in keys]
            if benchmark.items_per_prompt == 1:  # a batch benchmark keeps its format for a last lone item
                _answer_item(run, session, shown[0], call, instructions)
            else:
                _answer_batch(run, session, shown, call, instructions)
            answered_here += len(shown)
        _run_finish(run, session)
    except _Stop:
        BenchmarkRun.objects.filter(pk=run.pk).update(
            status=BenchmarkRun.Status.CANCELLED, finished_at=timezone.now()
        )
    except (llm.LLMError, ImproperlyConfigured) as exc:
        # Unreachable endpoint, refused request, missing key: more runs would fail the same way.
        _benchmark_fail(run, str(exc))


def _run_claim(run_id: int) -> BenchmarkRun | None:
    with transaction.atomic():
        run = (
            BenchmarkRun.objects.select_for_update()
            .select_related("benchmark__agent")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.status in {
            BenchmarkRun.Status.DONE,
            BenchmarkRun.Status.FAILED,
            BenchmarkRun.Status.CANCELLED,
        }:
            return None
        benchmark = Benchmark.objects.select_for_update().get(pk=run.benchmark_id)
        now = timezone.now()
        if benchmark.is_finished:
            BenchmarkRun.objects.filter(pk=run.pk).update(
                status=BenchmarkRun.Status.CANCELLED, finished_at=now
            )
            return None
        if benchmark.status == Benchmark.Status.PENDING:
            Benchmark.objects.filter(pk=benchmark.pk).update(status=Benchmark.Status.RUNNING, started_at=now)
        if run.session_id is None:
            run.session = assessment_services.session_start(
                subject=benchmark.agent,
                version=benchmark.questionnaire_version,
                respondent_kind=AssessmentSession.RespondentKind.AGENT,
                respondent_user=benchmark.owner,
            )
        run.status = BenchmarkRun.Status.RUNNING
        run.started_at = run.started_at or now
        run.save(update_fields=["session", "status", "started_at"])
        return run


def _assert_not_stopped(benchmark_id) -> None:
    status = Benchmark.objects.values_list("status", flat=True).get(pk=benchmark_id)
    if status in {Benchmark.Status.CANCELLED, Benchmark.Status.FAILED}:
        raise _Stop


def _next_items(
    run: BenchmarkRun, session: AssessmentSession, instrument: scoring.Instrument, count: int = 1
) -> list[str]:
    """The first `count` items in the run's order that are visible now and not settled yet."""
    answers = assessment_selectors.session_answers(session)
    settled = set(run.outcomes.values_list("item_key", flat=True))
    visible, _skipped = scoring.visible_items(instrument, answers)
    visible_set = set(visible)
    return [key for key in run.item_order if key in visible_set and key not in settled][:count]


def _shuffled(item: prompting.PromptItem, order: list[str] | None) -> prompting.PromptItem:
    if not order or not item.options:
        return item
    by_key = {option.key: option for option in item.options}
    options = tuple(by_key[key] for key in order if key in by_key)
    return prompting.PromptItem(**{**item.__dict__, "options": options})


def _answer_item(
    run: BenchmarkRun, session: AssessmentSession, item: prompting.PromptItem, call: dict, instructions: str
) -> None:
    agent_meta = run.benchmark.agent.metadata or {}
    messages = prompting.build_messages(
        item, system_prompt=agent_meta.get("system_prompt", ""), instructions=instructions
    )
    attempts = 0
    prompt_tokens = completion_tokens = 0
    value: Any = None
    valid = False
    response_format = prompting.response_format([item], agent_meta.get("structured_output", ""))
    for attempt in range(1, run.benchmark.max_retries + 2):
        attempts = attempt
        started = time.monotonic()
        # LLMError propagates: the run fails with its reason.
        result = llm.chat(messages, **call, response_format=response_format)
        latency = int((time.monotonic() - started) * 1000)
        parsed = prompting.parse_reply(item, result.text)
        error = _answer_error(session, item, parsed)
        prompt_tokens += result.prompt_tokens or 0
        completion_tokens += result.completion_tokens or 0
        BenchmarkExchange.objects.create(
            run=run,
            item_key=item.key,
            attempt=attempt,
            messages=messages,
            reply=result.text,
            parsed=parsed.value if error is None else None,
            valid=error is None,
            error=error or "",
            model_name=result.model[:200],
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            latency_ms=latency,
        )
        if error is None:
            value, valid = parsed.value, True
            break
        messages = [*messages, {"role": "assistant", "content": result.text}, prompting.retry_message(error)]
    try:
        with transaction.atomic():
            BenchmarkItemOutcome.objects.create(
                run=run,
                item_key=item.key,
                valid=valid,
                attempts=attempts,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )
            if valid:
                assessment_services.responses_save(session=session, answers={item.key: value})
    except IntegrityError:
        logger.info("Item %s of benchmark run %s was settled concurrently", item.key, run.pk)


def _answer_error(
    session: AssessmentSession, item: prompting.PromptItem, parsed: prompting.Parsed
) -> str | None:
    """Why a parsed reply cannot be stored (the same validation a person's answer gets), or None."""
    if not parsed.ok:
        return parsed.error
    try:
        assessment_services.parse_answers(session.questionnaire_version_id, {item.key: parsed.value})
    except assessment_services.AnswerValidationError as exc:
        return exc.errors.get(item.key, exc.message)
    return None


def _answer_batch(
    run: BenchmarkRun,
    session: AssessmentSession,
    items: list[prompting.PromptItem],
    call: dict,
    instructions: str,
) -> None:
    """Ask several items in one numbered prompt; each answer is parsed on its own, strictly.

    Statements whose answers cannot be used are asked again (only those, in the same
    conversation) up to `max_retries` times, then recorded invalid; the others are settled with
    the attempt that answered them. All outcomes of the batch commit together.
    """
    agent_meta = run.benchmark.agent.metadata or {}
    messages = prompting.build_batch_messages(
        items, system_prompt=agent_meta.get("system_prompt", ""), instructions=instructions
    )
    response_format = prompting.response_format(items, agent_meta.get("structured_output", ""))
    pending = list(range(1, len(items) + 1))
    values: dict[int, Any] = {}
    settled_at: dict[int, int] = {}
    prompt_tokens = completion_tokens = 0
    attempt = 0
    for attempt in range(1, run.benchmark.max_retries + 2):  # noqa: B007 - read after the loop
        started = time.monotonic()
        result = llm.chat(messages, **call, response_format=response_format if attempt == 1 else None)
        latency = int((time.monotonic() - started) * 1000)
        parsed = prompting.parse_batch_reply(items, result.text, pending)
        errors = {}
        for number, answer in parsed.items():
            error = _answer_error(session, items[number - 1], answer)
            if error is None:
                values[number], settled_at[number] = answer.value, attempt
            else:
                errors[number] = error
        prompt_tokens += result.prompt_tokens or 0
        completion_tokens += result.completion_tokens or 0
        BenchmarkExchange.objects.create(
            run=run,
            item_key=",".join(items[n - 1].key for n in pending)[:100],
            attempt=attempt,
            messages=messages,
            reply=result.text,
            parsed={items[n - 1].key: values[n] for n in pending if n in values} or None,
            valid=not errors,
            error=" ".join(f"{items[n - 1].key}: {e}" for n, e in sorted(errors.items())),
            model_name=result.model[:200],
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            latency_ms=latency,
        )
        pending = sorted(errors)
        if not pending:
            break
        messages = [
            *messages,
            {"role": "assistant", "content": result.text},
            prompting.batch_retry_message(errors),
        ]
    share_in, extra_in = divmod(prompt_tokens, len(items))
    share_out, extra_out = divmod(completion_tokens, len(items))
    try:
        with transaction.atomic():
            for number, item in enumerate(items, start=1):
                first = number == 1  # the remainder of the token split goes to the first item
                BenchmarkItemOutcome.objects.create(
                    run=run,
                    item_key=item.key,
                    valid=number in values,
                    attempts=settled_at.get(number, attempt),
                    prompt_tokens=share_in + (extra_in if first else 0),
                    completion_tokens=share_out + (extra_out if first else 0),
                )
            answers = {items[number - 1].key: value for number, value in values.items()}
            if answers:
                assessment_services.responses_save(session=session, answers=answers)
    except IntegrityError:
        logger.info("A batch of benchmark run %s was settled concurrently", run.pk)


def _run_finish(run: BenchmarkRun, session: AssessmentSession) -> None:
    with transaction.atomic():
        locked = AssessmentSession.objects.select_for_update().get(pk=session.pk)
        if locked.status == AssessmentSession.Status.IN_PROGRESS:
            try:
                assessment_services.session_submit(session=locked)
            except assessment_services.IncompleteSession as exc:
                # Required items the agent never answered validly stay unanswered (never guessed);
                # the session is scored on what it did answer, like any partial answer sheet.
                _submit_with_invalid(locked, exc.missing)
        now = timezone.now()
        BenchmarkRun.objects.filter(pk=run.pk).update(status=BenchmarkRun.Status.DONE, finished_at=now)
        benchmark = Benchmark.objects.select_for_update().get(pk=run.benchmark_id)
        if benchmark.is_finished:
            return
        _queue_next_runs(benchmark)
        _finish_if_complete(benchmark)


def _submit_with_invalid(session: AssessmentSession, missing: list[str]) -> None:
    AssessmentSession.objects.filter(pk=session.pk).update(
        status=AssessmentSession.Status.SUBMITTED, submitted_at=timezone.now()
    )
    QuestionnaireEventLog.objects.create(
        session=session, event=QuestionnaireEventLog.Event.SUBMITTED, detail={"invalid": missing}
    )
    session.refresh_from_db()
    assessment_services.run_rescore(session=session)  # creates the AnalysisRun through the outbox


def _finish_if_complete(benchmark: Benchmark) -> None:
    open_runs = benchmark.runs.exclude(
        status__in=[BenchmarkRun.Status.DONE, BenchmarkRun.Status.FAILED, BenchmarkRun.Status.CANCELLED]
    )
    if not open_runs.exists():
        Benchmark.objects.filter(pk=benchmark.pk).update(
            status=Benchmark.Status.DONE, finished_at=timezone.now()
        )
        outbox.enqueue(
            BATCH_TASK,
            {"subject_id": str(benchmark.agent_id), "version_id": benchmark.questionnaire_version_id},
            dedupe_key=f"batch:{benchmark.agent_id}:{benchmark.questionnaire_version_id}:{benchmark.pk}",
        )


def _benchmark_fail(run: BenchmarkRun, reason: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        BenchmarkRun.objects.filter(pk=run.pk).update(
            status=BenchmarkRun.Status.FAILED, error=reason[:2000], finished_at=now
        )
        Benchmark.objects.filter(pk=run.benchmark_id).exclude(
            status__in=[Benchmark.Status.CANCELLED, Benchmark.Status.DONE, Benchmark.Status.FAILED]
        ).update(status=Benchmark.Status.FAILED, error=reason[:2000], finished_at=now)
        BenchmarkRun.objects.filter(
            benchmark_id=run.benchmark_id,
            status__in=[BenchmarkRun.Status.PENDING, BenchmarkRun.Status.QUEUED],
        ).update(status=BenchmarkRun.Status.CANCELLED, finished_at=now)


# --------------------------------------------------------------------------- batches


def on_run_scored(sender, *, run, subject_id, runs=None, **kwargs) -> None:  # noqa: ARG001
    """Receiver of `run_scored`: an agent's scored runs refresh its batch of each version (via
    the outbox), once per version however many of its runs were scored together."""
    latest: dict[int, Any] = {}
    for scored in runs or [run]:
        session = scored.session
        if session.respondent_kind == AssessmentSession.RespondentKind.AGENT:
            latest[session.questionnaire_version_id] = scored
    for version_id, scored in latest.items():
        outbox.enqueue(
            BATCH_TASK,
            {"subject_id": str(subject_id), "version_id": version_id},
            # One key per scored run: a refresh already running may have read before this commit.
            dedupe_key=f"batch:{subject_id}:{version_id}:{scored.pk}",
        )


@transaction.atomic
def batch_refresh(*, subject_id, version_id: int) -> AssessmentBatch:
    """Recompute the subject's batch for the version from its scored sessions (idempotent).

    Per dimension: the raw statistics (`stats.describe`), the band of the mean (on the scale the
    questionnaire bands: raw, normalised or item mean), the mean on the 0–1 scale (for fidelity),
    the invalid rate (agents) and the sorted raw values (for percentiles and tests against a
    cohort; they never leave the server).
    """
    from assessments.benchmarks import cohorts, selectors

    subject = SubjectProfile.objects.get(pk=subject_id)
    version = QuestionnaireVersion.objects.get(pk=version_id)
    if subject.subject_type == SubjectProfile.SubjectType.COHORT:
        rows, sessions = cohorts.cohort_values(subject, version)
        invalid = {}
    else:
        rows, sessions = selectors.agent_values(subject, version)
        invalid = selectors.agent_invalid_rates(subject, version)
    scale = DimensionScale.for_version(version)
    data = {}
    for slug in dict.fromkeys([*rows, *invalid]):  # a dimension never answered validly keeps its rate
        entries = rows.get(slug, [])
        raws = [raw for raw, _normalized, _item_mean in entries]
        band = scale.band_of_mean(slug, entries)
        data[slug] = {
            **stats.describe(raws),
            "invalid_rate": invalid.get(slug),
            "band": band.key if band else "",
            "band_label": band.label if band else "",
            "unit_mean": scale.unit_mean(slug, entries),
            "values": sorted(raws),
        }
    batch, _created = AssessmentBatch.objects.update_or_create(
        subject=subject, questionnaire_version=version, defaults={"stats": data, "session_count": sessions}
    )
    return batch


class DimensionScale:
    """How a version's dimensions are banded and placed on 0–1 (from the cached scoring plan and
    the dimensions' range hints: one small query)."""

    def __init__(self, *, config: dict, dimensions: dict, ranges: dict[str, tuple]):
        self.band_basis = config.get("band_basis", "raw")
        self.minmax = (config.get("normalization") or {}).get("method") == "minmax"
        self.dimensions = dimensions
        self.ranges = ranges

    @classmethod
    def for_version(cls, version: QuestionnaireVersion) -> DimensionScale:
        from questionnaires.models import TraitDimension

        model = assessment_selectors.scoring_plan(version).instrument.model
        ranges = {
            slug: (low, high)
            for slug, low, high in TraitDimension.objects.filter(
                analysis_model_id=version.analysis_model_id
            ).values_list("slug", "range_min", "range_max")
        }
        return cls(
            config=dict(model.config),
            dimensions={dimension.slug: dimension for dimension in model.dimensions},
            ranges=ranges,
        )

    def band_of_mean(self, slug: str, entries: list[tuple]) -> scoring.Threshold | None:
        index = {"raw": 0, "normalized": 1, "item_mean": 2}.get(self.band_basis, 0)
        basis = [entry[index] for entry in entries]
        dimension = self.dimensions.get(slug)
        if dimension is None or not basis or any(value is None for value in basis):
            return None
        return scoring.band_for(sum(basis) / len(basis), dimension.thresholds)

    def unit(self, slug: str, raw: float | None, normalized: float | None) -> float | None:
        """A score on 0–1: the min–max normalised score, else the raw score within the range hint."""
        if self.minmax and normalized is not None:
            return max(0.0, min(1.0, normalized / 100))
        low, high = self.ranges.get(slug, (None, None))
        if raw is not None and low is not None and high is not None and high > low:
            return max(0.0, min(1.0, (raw - low) / (high - low)))
        return None

    def unit_mean(self, slug: str, entries: list[tuple]) -> float | None:
        units = [self.unit(slug, raw, normalized) for raw, normalized, _item_mean in entries]
        if not units or any(value is None for value in units):
            return None
        return sum(units) / len(units)


def fidelity_start(
    *,
    owner,
    persona,
    version: QuestionnaireVersion,
    runs: int,
    concurrency: int = 1,
    seed: int | None = None,
    max_retries: int | None = None,
    items_per_prompt: int = 1,
    model_settings: dict[str, Any] | None = None,
    queue: bool = True,
) -> Benchmark:
    """The persona takes `version` (the questionnaire its human took) `runs` times, as an agent
    whose system prompt is its persona prompt. The caller checks that `owner` may see the prompt."""
    with transaction.atomic():
        agent = persona_agent_get_or_create(owner=owner, persona=persona, model_settings=model_settings)
        return benchmark_start(
            owner=owner,
            agent=agent,
            version=version,
            runs=runs,
            concurrency=concurrency,
            seed=seed,
            max_retries=max_retries,
            items_per_prompt=items_per_prompt,
            queue=queue,
        )
