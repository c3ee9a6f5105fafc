"""``manage.py benchmark_llm --questionnaire SLUG --runs N``: an LLM takes a questionnaire N times.

Runs in the foreground through the same services as the worker (one thread per concurrent run),
prints progress, then a summary per dimension. ``--async`` queues it for the workers instead.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from assessments import services as assessment_services
from assessments.benchmarks import fidelity, selectors, services
from assessments.models import AnalysisRun, SubjectProfile
from personai import llm
from personas.selectors import personas as persona_selectors
from questionnaires import selectors as questionnaire_selectors


class Command(BaseCommand):
    help = "Benchmark an LLM agent on a published questionnaire (N runs) and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("--questionnaire", required=True, help="Questionnaire slug.")
        parser.add_argument(
            "--questionnaire-version",
            dest="qversion",
            type=int,
            help="Version number (default: the active one).",
        )
        parser.add_argument("--runs", type=int, required=True)
        parser.add_argument("--model", help="Model name (default: LLM_MODEL or the embedded demo model).")
        parser.add_argument(
            "--base-url", default="", help="OpenAI-compatible base URL (default: LLM_BASE_URL)."
        )
        parser.add_argument("--api-key-env", default="", help="Environment variable holding the key.")
        parser.add_argument("--temperature", type=float)
        parser.add_argument(
            "--max-tokens",
            type=int,
            help="Reply budget (default: 16 per item asked, 32 with --structured-output object).",
        )
        parser.add_argument(
            "--structured-output",
            choices=["object", "value"],
            help='Constrain replies with a JSON schema: "object" ({"answer": n}, OpenAI) or "value" (the bare '
            "number; llama.cpp, vLLM, Ollama — the embedded model).",
        )
        parser.add_argument(
            "--items-per-prompt", type=int, default=1, help="Ask a numbered batch of items at once."
        )
        parser.add_argument("--seed", type=int)
        parser.add_argument("--concurrency", type=int, default=1)
        parser.add_argument("--retries", type=int)
        parser.add_argument("--owner", help="Email of the owning user (default: the first superuser).")
        parser.add_argument(
            "--persona",
            help="Persona id: the persona takes the questionnaire (its prompt as the system prompt); "
            "prints its fidelity to its person at the end.",
        )
        parser.add_argument("--async", dest="run_async", action="store_true", help="Queue for the workers.")

    def handle(self, *args, **options):
        version = (
            questionnaire_selectors.version_get(
                questionnaire_slug=options["questionnaire"], number=options["qversion"]
            )
            if options["qversion"]
            else questionnaire_selectors.version_active(questionnaire_slug=options["questionnaire"])
        )
        if version is None:
            raise CommandError(f"There is no published questionnaire {options['questionnaire']!r}.")
        owner = self._owner(options["owner"])
        model = options["model"] or llm.chat_model()[0]
        if not model:
            raise CommandError("Name the model with --model.")
        metadata = {
            key: value
            for key, value in {
                "model": model,
                "base_url": options["base_url"],
                "api_key_env": options["api_key_env"],
                "temperature": options["temperature"],
                "max_tokens": options["max_tokens"]
                or (32 if options["structured_output"] == "object" else 16)
                * max(1, options["items_per_prompt"]),
                "structured_output": options["structured_output"],
            }.items()
            if value not in (None, "")
        }
        persona = self._persona(owner, options["persona"]) if options["persona"] else None
        try:
            if persona is not None:
                benchmark = services.fidelity_start(
                    owner=owner,
                    persona=persona,
                    version=version,
                    runs=options["runs"],
                    concurrency=options["concurrency"],
                    seed=options["seed"],
                    max_retries=options["retries"],
                    items_per_prompt=options["items_per_prompt"],
                    model_settings=metadata,
                    queue=options["run_async"],
                )
            else:
                agent = SubjectProfile.objects.filter(
                    owner=owner,
                    subject_type="agent",
                    display_name=model,
                    metadata=services.agent_metadata_clean(metadata),
                ).first() or services.agent_create(owner=owner, display_name=model, metadata=metadata)
                benchmark = services.benchmark_start(
                    owner=owner,
                    agent=agent,
                    version=version,
                    runs=options["runs"],
                    concurrency=options["concurrency"],
                    seed=options["seed"],
                    max_retries=options["retries"],
                    items_per_prompt=options["items_per_prompt"],
                    queue=options["run_async"],
                )
        except services.BenchmarkError as exc:
            details = "; ".join(f"{key}: {message}" for key, message in exc.errors.items())
            raise CommandError(f"{exc.message} {details}") from None
        if options["run_async"]:
            self.stdout.write(f"Queued benchmark {benchmark.pk}; follow it at /benchmarks/{benchmark.pk}/")
            return
        self._run(benchmark)
        if persona is not None:
            self._fidelity(owner, persona, version)

    @staticmethod
    def _persona(owner, persona_id: str):
        try:
            return persona_selectors.persona_for_user(owner, persona_id)
        except (ObjectDoesNotExist, ValidationError, ValueError):
            raise CommandError(f"There is no persona {persona_id!r} that {owner.email} may see.") from None

    def _fidelity(self, owner, persona, version) -> None:
        result = fidelity.fidelity(owner=owner, subject=persona.subject, version=version)
        row = next((p for p in result.personas if p.persona_id == str(persona.pk)), None)
        if row is None or result.own_session is None:
            self.stdout.write(
                "\nFidelity: the person has no scored self-assessment of this version to compare with."
            )
            return
        self.stdout.write(
            f"\nFidelity to {persona.subject.display_name} over {row.dimensions_compared} dimensions (0–1 scale): "
            f"mean |diff| to own {_num(row.mad_own, 3)}, r {_num(row.r_own)}; "
            f"to others {_num(row.mad_others, 3)}, r {_num(row.r_others)}"
        )

    def _owner(self, email: str | None):
        users = get_user_model().objects
        owner = users.filter(email=email).first() if email else users.filter(is_superuser=True).first()
        if owner is None:
            raise CommandError("Give --owner EMAIL of an existing user (or create a superuser).")
        return owner

    def _run(self, benchmark) -> None:
        run_ids = list(benchmark.runs.order_by("index").values_list("pk", flat=True))
        started = time.monotonic()
        if benchmark.concurrency == 1:  # in this thread (and this thread's transaction, in tests)
            for run_id in run_ids:
                services.benchmark_run_execute(run_id=run_id)
                self._score(run_id)
                self._progress(benchmark)
        else:
            self._run_threads(benchmark, run_ids)
        benchmark.refresh_from_db()
        self._finish(benchmark, started)

    @staticmethod
    def _score(run_id: int) -> None:
        for analysis_run in AnalysisRun.objects.filter(
            session__benchmark_run__pk=run_id, status=AnalysisRun.Status.PENDING
        ):
            assessment_services.run_score(run_id=analysis_run.pk)

    def _run_threads(self, benchmark, run_ids: list[int]) -> None:
        def execute(run_id: int) -> None:
            try:
                services.benchmark_run_execute(run_id=run_id)
                self._score(run_id)
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=benchmark.concurrency) as pool:
            futures = [pool.submit(execute, run_id) for run_id in run_ids]
            while not all(future.done() for future in futures):
                self._progress(benchmark)
                time.sleep(1)
            for future in futures:
                future.result()

    def _finish(self, benchmark, started: float) -> None:
        self._progress(benchmark, final=True)
        elapsed = time.monotonic() - started
        progress = selectors.benchmark_progress(benchmark)
        if benchmark.status == benchmark.Status.FAILED:
            raise CommandError(f"The benchmark failed: {benchmark.error}")
        batch = services.batch_refresh(
            subject_id=benchmark.agent_id, version_id=benchmark.questionnaire_version_id
        )
        settled = progress["items_answered"] + progress["items_invalid"]
        self.stdout.write(
            f"\n{benchmark.runs_requested} runs, {settled} items in {elapsed:.1f} s "
            f"({settled / elapsed:.2f} items/s at concurrency {benchmark.concurrency}), "
            f"invalid rate {progress['invalid_rate'] or 0:.1%}, "
            f"tokens {progress['prompt_tokens']} in / {progress['completion_tokens']} out\n"
        )
        self.stdout.write(
            f"{'dimension':<28} {'n':>3} {'mean':>8} {'sd':>7} {'median':>7} {'invalid':>8}  band"
        )
        # Each domain followed by its facets, as on the result pages.
        for slug, _name, is_facet, _low, _high in selectors.dimension_rows(benchmark.questionnaire_version):
            entry = batch.stats.get(slug)
            if entry is None:
                continue
            invalid = entry.get("invalid_rate")
            label = f"  {slug}" if is_facet else slug
            self.stdout.write(
                f"{label:<28} {entry['n']:>3} {_num(entry['mean']):>8} {_num(entry['sd']):>7} "
                f"{_num(entry['median']):>7} {('' if invalid is None else f'{invalid:.0%}'):>8}  {entry.get('band_label', '')}"
            )

    def _progress(self, benchmark, final: bool = False) -> None:
        benchmark.refresh_from_db()
        p = selectors.benchmark_progress(benchmark)
        total = max(1, p["items_total"])
        done = p["items_answered"] + p["items_invalid"]
        width = 30
        filled = int(width * min(1.0, done / total))
        bar = "#" * filled + "-" * (width - filled)
        eta = f" ETA {p['eta_seconds']:.0f}s" if p["eta_seconds"] is not None else ""
        self.stdout.write(
            f"\r[{bar}] runs {p['runs_done']}/{p['runs_requested']} items {done} invalid {p['items_invalid']}{eta}   ",
            ending="\n" if final else "",
        )
        self.stdout.flush()


def _num(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
