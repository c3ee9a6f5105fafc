"""Persona generation time with the embedded models: in-process MiniLM for the narrative
search, the bundled SmolLM2 server for the prose. ``python -m bench bench_personas``.

Starts the demo LLM server on a free port (unless LLM_BASE_URL points elsewhere), builds a
subject with a Big Five + DISC mindscape and 20 embedded narratives in a throwaway database,
then times ``persona_request`` + ``persona_generate`` (what the worker runs) several times.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time

RUNS = 3
NARRATIVES = 20
TRAITS = {
    "big_five": {
        "openness": {"score": 78, "raw": 95, "band": "high", "band_label": "High"},
        "conscientiousness": {"score": 64, "raw": 82, "band": "high", "band_label": "High"},
        "extraversion": {"score": 32, "raw": 60, "band": "low", "band_label": "Low"},
        "agreeableness": {"score": 66, "raw": 88, "band": "high", "band_label": "High"},
        "neuroticism": {"score": 24, "raw": 50, "band": "low", "band_label": "Low"},
    },
    "disc": {
        "d": {"score": 30, "band": "low", "band_label": "Low"},
        "i": {"score": 45, "band": "average", "band_label": "Average"},
        "s": {"score": 55, "band": "average", "band_label": "Average"},
        "c": {"score": 81, "band": "high", "band_label": "High"},
        "primary_style": "c",
    },
    "others": {"ipip_neo_120": {"n": 5, "openness": {"score": 71}, "extraversion": {"score": 40}}},
    "work": {"chronotype": "morning"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_demo_llm(settings) -> subprocess.Popen | None:
    from personai import llm

    if settings.LLM_BASE_URL:
        return None  # measure the configured server
    port = _free_port()
    settings.EMBEDDED_LLM_PORT = port
    process = subprocess.Popen(
        [sys.executable, "-m", "personai.local_llm", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if llm.check(timeout=1.0):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("the demo LLM server did not start")


def main() -> None:
    from bench._database import throwaway_database

    with throwaway_database():
        from django.conf import settings
        from django.core.management import call_command

        from accounts.models import User
        from assessments.services import subject_get_or_create_for_user
        from personai import llm
        from personas.models import Mindscape, Narrative, Persona
        from personas.services import personas as services

        settings.EMBEDDING_BASE_URL = ""  # in-process MiniLM
        print("  starting the demo LLM server", flush=True)
        server = _start_demo_llm(settings)
        try:
            call_command("load_mapper_configs", stdout=open(os.devnull, "w"))  # noqa: SIM115
            user = User.objects.create(username="bench", email="bench@example.com")
            subject = subject_get_or_create_for_user(user=user)
            Mindscape.objects.create(subject=subject, traits=TRAITS)
            texts = [
                f"Note {i}: I {'plan my week on Sunday evenings' if i % 2 else 'need quiet mornings to think'}"
                f" and {'enjoy untangling hard problems' if i % 3 else 'prefer small meetings'}."
                for i in range(NARRATIVES)
            ]
            embedded = llm.embed(texts)
            Narrative.objects.bulk_create(
                Narrative(
                    subject=subject,
                    narrative_type="self_observation",
                    raw_text=text,
                    embedding=vector,
                    embedding_model=embedded.model,
                )
                for text, vector in zip(texts, embedded.vectors, strict=True)
            )

            def once() -> tuple[float, Persona]:
                began = time.monotonic()
                persona = services.persona_request(subject=subject, requested_by=user)
                services.persona_generate(persona_id=persona.pk)
                persona.refresh_from_db()
                return (time.monotonic() - began) * 1000, persona

            print("  server ready; warm-up run", flush=True)
            once()  # warm-up: first query embedding, first chat request
            results = []
            for i in range(RUNS):
                results.append(once())
                print(
                    f"  run {i + 1}: {results[-1][0]:.0f} ms ({results[-1][1].metadata.get('prose')})",
                    flush=True,
                )
            # The deterministic part alone (facts, MiniLM search, SVG, writes): the LLM is skipped.
            from unittest import mock

            with mock.patch.object(llm, "chat", side_effect=llm.LLMResponseError("bench: template path")):
                facts_only = [once()[0] for _ in range(RUNS)]
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=10)
        times = [ms for ms, _ in results]
        llm_times = [p.metadata.get("llm_duration_ms") or 0 for _, p in results]
        sources = [p.metadata.get("prose") or f"failed: {p.error[:80]}" for _, p in results]
        statuses = {p.status for _, p in results}
        model = results[-1][1].metadata.get("model")
        print(
            f"persona generation ({model}, {NARRATIVES} narratives, MiniLM search): "
            f"median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}) over {RUNS} runs; "
            f"LLM prose median {statistics.median(llm_times):.0f} ms; the rest (facts, search, SVG, writes) "
            f"median {statistics.median(t - m for t, m in zip(times, llm_times, strict=True)):.0f} ms; "
            f"prose sources {sorted(sources)}; statuses {sorted(statuses)}"
        )
        print(
            f"  without the LLM (template prose): median {statistics.median(facts_only):.0f} ms "
            f"(min {min(facts_only):.0f}, max {max(facts_only):.0f})"
        )
        fallback = [
            p.metadata.get("prose_fallback_reason")
            for _, p in results
            if p.metadata.get("prose") == "template"
        ]
        if fallback:
            print(f"  template fallbacks: {sorted(set(fallback))}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")
    import django

    django.setup()
    main()
