"""The signed-in take page measured in process: where a request's CPU time goes.

`bench_hot_paths` measures the page through gunicorn and `wrk`, where the machine's noise
swamps small changes. This one calls Django's test client in this process (`DEBUG=false`, the
bench's URLs with the bare "ok" view, the same fixture: the built-in IPIP-NEO-120, 16 users
half-way through, pages 1–8), so the figures are CPU time per request without a server:

* ``take_page_cpu ratio``: ms per bare "ok" view / ms per take page (the in-process analogue
  of the `take_page` line's requests/s ratio), then both figures: median of ``ROUNDS`` rounds of
  ``REQUESTS`` requests each, the take page and the bare view alternated round by round; also
  this process's CPU time per request (steadier than wall-clock time on a shared machine);
* a cProfile of ``REQUESTS`` take pages, by cumulative and by own time (``BENCH_PROFILE=0``
  leaves it out; ``BENCH_PROFILE_VIEW=signed-in``, ``autosave`` or ``page-autosave`` profiles that instead;
  ``BENCH_PROFILE_OUT=<file>`` also saves it for `pstats`).

``BENCH_DUMP=<dir>`` also writes every fixture page's HTML there (CSRF tokens and UUIDs blanked), to
compare the output of two trees with ``diff -r``.

Runs in a throwaway database (``bench_<name>``). Run: .venv/bin/python -m bench bench_take_page_cpu
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import re
import statistics
import time
from pathlib import Path

from bench._database import throwaway_database

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PROFILE = os.environ.get("BENCH_PROFILE", "1") != "0"
PROFILE_VIEW = os.environ.get("BENCH_PROFILE_VIEW", "take")
DUMP = os.environ.get("BENCH_DUMP", "")


def main() -> None:
    from django.test import override_settings

    with throwaway_database():
        staticfiles = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(
            DEBUG=False,
            ROOT_URLCONF="bench._serve_urls",
            ALLOWED_HOSTS=["testserver"],
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": staticfiles,
            },
        ):
            _run()


def _run() -> None:
    from django.conf import settings
    from django.test import Client

    from bench.bench_hot_paths import _fixture

    fixture = _fixture(settings.SECRET_KEY)
    pages = [(path, headers) for _method, path, headers, _body in fixture["pages"]]
    client = Client()

    def take(count: int) -> None:
        for i in range(count):
            path, headers = pages[i % len(pages)]
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)

    def bare(count: int) -> None:
        for _ in range(count):
            response = client.get("/bench/ok")
            assert response.status_code == 200

    autosaves = fixture["autosaves"]

    def autosave(count: int) -> None:
        for i in range(count):
            _method, path, headers, body = autosaves[i % len(autosaves)]
            response = client.put(path, body, content_type="application/json", headers=headers)
            assert response.status_code == 200, (path, response.status_code, response.content[:200])

    # The browser's autosave: the htmx post of one changed answer to the page's autosave URL
    # (the API's is the `autosave` line); same sessions and answers as the API's.
    page_saves = []
    for _method, path, _headers, body in autosaves:
        [(key, value)] = json.loads(body)["answers"].items()
        session_id = path.split("/")[4]
        cookie = next(h for p, h in pages if session_id in p)
        page_saves.append((f"/assessments/{session_id}/autosave/", {"item": key, f"a-{key}": value}, cookie))

    def page_autosave(count: int) -> None:
        for i in range(count):
            path, data, headers = page_saves[i % len(page_saves)]
            response = client.post(path, data, headers={**headers, "HX-Request": "true"})
            assert response.status_code == 200, (path, response.status_code, response.content[:200])

    def first_views() -> tuple[float, float]:
        """Every fixture page once after the remembered fragments were forgotten: what 16
        respondents' first view of each page costs (a fragment one rendered, the next reuses)."""
        from assessments.templatetags.partials import memo_clear

        memo_clear()
        return _ms_per_request(take, count=len(pages))

    def signed_in(count: int) -> None:
        for i in range(count):
            _path, headers = pages[i % len(pages)]
            response = client.get("/bench/ok-signed-in", headers=headers)
            assert response.status_code == 200, response.status_code

    if DUMP:
        _dump(client, pages, Path(DUMP))
    take(len(pages))  # warm: every page's plan, templates and remembered questions
    bare(50)
    autosave(len(autosaves))
    page_autosave(len(page_saves))
    take_ms, bare_ms, signed_ms, take_cpu, bare_cpu, signed_cpu = [], [], [], [], [], []
    save_ms, save_cpu = [], []
    page_save_ms, page_save_cpu = [], []
    first_ms, first_cpu = [], []
    for _round in range(ROUNDS):
        elapsed, used = first_views()
        first_ms.append(elapsed)
        first_cpu.append(used)
        for run, wall, cpu in (
            (take, take_ms, take_cpu),
            (bare, bare_ms, bare_cpu),
            (signed_in, signed_ms, signed_cpu),
            (autosave, save_ms, save_cpu),
            (page_autosave, page_save_ms, page_save_cpu),
        ):
            elapsed, used = _ms_per_request(run)
            wall.append(elapsed)
            cpu.append(used)
    page, ok = statistics.median(take_ms), statistics.median(bare_ms)
    print(f"take_page_cpu ratio {ok / page:.3f} goal >=0.5")
    print(f"take page {page:.2f} ms per request (rounds: {_figures(take_ms)})")
    print(f"bare view {ok:.2f} ms per request (rounds: {_figures(bare_ms)})")
    print(
        f"take page, first views (nothing remembered at the start) {statistics.median(first_ms):.2f} ms "
        f"per request (rounds: {_figures(first_ms)}; CPU {statistics.median(first_cpu):.2f} ms)"
    )
    signed = statistics.median(signed_ms)
    print(
        f"signed-in bare view {signed:.2f} ms per request (rounds: {_figures(signed_ms)}): "
        f"ratio {ok / signed:.3f}, the most any signed-in page reaches"
    )
    saved = statistics.median(save_ms)
    print(f"autosave (API, one answer) {saved:.2f} ms per request (rounds: {_figures(save_ms)})")
    print(
        f"autosave (page, htmx, one answer) {statistics.median(page_save_ms):.2f} ms per request "
        f"(rounds: {_figures(page_save_ms)}; CPU {statistics.median(page_save_cpu):.2f} ms)"
    )
    # This process's CPU time only (not PostgreSQL's or Redis'): steadier on a busy machine.
    print(
        f"CPU of this process: take page {statistics.median(take_cpu):.2f} ms (rounds: {_figures(take_cpu)}),"
    )
    print(f"  bare view {statistics.median(bare_cpu):.2f} ms (rounds: {_figures(bare_cpu)})")
    print(f"  signed-in bare view {statistics.median(signed_cpu):.2f} ms (rounds: {_figures(signed_cpu)})")
    print(f"  autosave {statistics.median(save_cpu):.2f} ms (rounds: {_figures(save_cpu)})")
    if PROFILE:
        runs = {"take": take, "signed-in": signed_in, "autosave": autosave, "page-autosave": page_autosave}
        view = PROFILE_VIEW if PROFILE_VIEW in runs else "take"
        _profile(lambda: runs[view](REQUESTS), view)


def _ms_per_request(run, count: int = REQUESTS) -> tuple[float, float]:
    """(wall-clock ms, this process's CPU ms) per request."""
    start, cpu = time.perf_counter(), time.process_time()
    run(count)
    return (time.perf_counter() - start) * 1000 / count, (time.process_time() - cpu) * 1000 / count


def _figures(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def _profile(run, view: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    if os.environ.get("BENCH_PROFILE_OUT"):
        profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(45)
        print(f"-- profile of {REQUESTS} requests of {view}, by {order}")
        print(out.getvalue().split("\n", 1)[1] if "\n" in out.getvalue() else out.getvalue())


def _dump(client, pages, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for n, (path, headers) in enumerate(pages):
        html = client.get(path, headers=headers).content.decode()
        html = re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1-", html)
        html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1-", html)
        html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", html)
        (directory / f"page-{n:03d}.html").write_text(html)
