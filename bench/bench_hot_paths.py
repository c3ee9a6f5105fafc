"""Hot paths against references measured in the same run, on the same machine.

Prints one line per benchmark, exactly ``<name> ratio X goal >=Y`` (or ``<=Y``), then its
absolute figures:

* ``take_page``: signed-in GETs of ``/assessments/{id}/q/{n}/`` (IPIP-NEO-120, random sessions
  and pages) against a bare Django view returning "ok" (``bench/_serve_urls.py``) on the same
  gunicorn, started as ``make run`` starts it (ASGI, uvicorn workers, ``WEB_CONCURRENCY`` 2,
  a connection pool per process, ``DEBUG=false``). Load: ``wrk``, 8 connections, on loopback.
* ``autosave``: ``PUT /api/v1/sessions/{id}/responses/`` with one answer (API key), against
  ``pgbench`` upserting one row (``INSERT … ON CONFLICT DO UPDATE``), 8 clients, same server.
* ``scoring``: ``services.run_score`` per run (the worker's path) times the number of sessions,
  against one ``INSERT … SELECT … GROUP BY`` computing every session's per-dimension sums from
  the same answers. Ratio = scoring time / reference time (lower is better).

Also prints p50/p99 latency (wrk) and the peak RSS of a web process (ru_maxrss of the
children) and of this process, which scores as a worker does.

Runs in a throwaway database (``bench_<name>``). Needs ``wrk`` and ``pgbench`` (Debian:
``apt-get install -y wrk postgresql-client``). Durations: ``BENCH_SECONDS`` (default 10).

Run: .venv/bin/python -m bench bench_hot_paths
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._database import throwaway_database
from personai import runner

INSTRUMENT = Path(__file__).resolve().parent.parent / "questionnaires" / "instruments" / "ipip-neo-120.json"
SESSIONS = 16
CONNECTIONS = 8
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
SCORING_SESSIONS = int(os.environ.get("BENCH_SCORING_SESSIONS", "1000"))
SCORING_SAMPLE = 60
BATCH = 200
# BENCH_ONLY=scoring (comma-separated: take_page, autosave, scoring) to iterate on one line.
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "take_page,autosave,scoring").split(",")}


def main() -> None:
    missing = [tool for tool in ("wrk", "pgbench") if shutil.which(tool) is None]
    if missing:
        print(f"skipped: {', '.join(missing)} not installed (apt-get install -y wrk postgresql-client)")
        return
    with throwaway_database():
        _run()


def _run() -> None:
    from django.db import connection

    web_env = _web_env(connection.settings_dict)
    fixture = _fixture(web_env["SECRET_KEY"])
    if ONLY & {"take_page", "autosave"}:
        with _Server(web_env) as base:
            _warm(base, fixture)
            if "take_page" in ONLY:
                reference = _wrk(base, [("GET", "/bench/ok", {}, "")])
                take = _wrk(base, fixture["pages"])
                _report("take_page", take["rps"] / reference["rps"], ">=0.5", take, reference, "req/s")
            if "autosave" in ONLY:
                upsert = _pgbench(connection.settings_dict)
                autosave = _wrk(base, fixture["autosaves"])
                _report("autosave", autosave["rps"] / upsert["tps"], ">=0.10", autosave, upsert, "tps")
    if "scoring" in ONLY:
        _scoring(fixture)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: web process (largest child) {children:.0f} MB, worker (this process) {own:.0f} MB")


# --------------------------------------------------------------------------- data


def _fixture(secret_key: str) -> dict:
    from django.conf import settings
    from django.test import Client

    from accounts import services as account_services
    from accounts.models import User
    from assessments import services
    from assessments.models import AssessmentSession
    from questionnaires.importing import import_json

    settings.SECRET_KEY = secret_key  # the server's: it must accept the session cookies made here
    version = import_json(INSTRUMENT.read_bytes(), publish=True).version
    keys = list(version.items.order_by("sort_order").values_list("key", flat=True))
    rng = random.Random(7)
    pages, autosaves, sessions = [], [], []
    for n in range(SESSIONS):
        user = User.objects.create_user(username=f"hot{n}", email=f"hot{n}@example.com", password="x" * 20)
        session = services.session_start(
            subject=services.subject_get_or_create_for_user(user=user),
            version=version,
            respondent_kind=AssessmentSession.RespondentKind.SELF,
            respondent_user=user,
        )
        # Half answered, as a respondent in the middle of the questionnaire.
        services.responses_save(session=session, answers={k: str(rng.randint(1, 5)) for k in keys[:60]})
        client = Client()
        client.force_login(user)
        cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
        for page in range(1, 9):
            pages.append(("GET", f"/assessments/{session.pk}/q/{page}/", cookie, ""))
        _key, raw = account_services.api_key_create(user=user, name="bench")
        headers = {"Authorization": f"Api-Key {raw}", "Content-Type": "application/json"}
        for key in rng.sample(keys, 12):
            body = json.dumps({"answers": {key: str(rng.randint(1, 5))}})
            autosaves.append(("PUT", f"/api/v1/sessions/{session.pk}/responses/", headers, body))
        sessions.append(session)
    return {"version": version, "pages": pages, "autosaves": autosaves, "sessions": sessions, "keys": keys}


# --------------------------------------------------------------------------- the web server


def _host(db: dict) -> str:
    return db.get("HOST") or (db.get("OPTIONS") or {}).get("host") or "127.0.0.1"


def _web_env(db: dict) -> dict[str, str]:
    host = _host(db)
    if host.startswith("/"):
        url = f"postgresql://{db['USER']}:{db.get('PASSWORD') or ''}@/{db['NAME']}?host={host}"
    else:
        url = f"postgresql://{db['USER']}:{db.get('PASSWORD') or ''}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench._serve_settings",
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=tempfile.mkdtemp(prefix="bench-static-"),
    )
    # DEBUG=false serves hashed static names from the manifest, as `make run` does.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env, check=True, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    return env


class _Server:
    """The web server exactly as `make run` starts it (`runner.web_command`: gunicorn, ASGI,
    uvicorn workers, a connection pool per process, its access log), on a free loopback port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __enter__(self) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(prefix="bench-web-", suffix=".log", delete=False)
        command = runner.web_command("127.0.0.1", port, self.env)
        # Only so that it cannot collide with a `make run` on this machine; serving is the same.
        command += ["--control-socket", str(Path(tempfile.gettempdir()) / f"bench-gunicorn-{port}.ctl")]
        self.process = subprocess.Popen(
            command,
            env={**self.env, **runner.web_env(self.env)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:  # the master listens at once; a worker answers once Django is loaded
                with urllib.request.urlopen(f"{base}/bench/ok", timeout=5) as response:
                    if response.status == 200:
                        return base
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the web server did not start; see {self.log.name}")

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.env["STATIC_ROOT"], ignore_errors=True)
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --------------------------------------------------------------------------- load


def _lua(requests: list[tuple[str, str, dict, str]]) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    rows = []
    for method, path, headers, body in requests:
        head = ", ".join(f"[{quote(k)}] = {quote(v)}" for k, v in headers.items())
        rows.append(f"{{{quote(method)}, {quote(path)}, {{{head}}}, {quote(body) if body else 'nil'}}}")
    return (
        "local reqs = {\n" + ",\n".join(rows) + "\n}\n"
        "local n = 0\n"
        "function setup(thread) n = n + 1; thread:set('seed', n) end\n"
        "function init(args) math.randomseed(os.time() * 100 + (seed or 0)) end\n"
        "request = function()\n"
        "  local r = reqs[math.random(#reqs)]\n"
        "  return wrk.format(r[1], r[2], r[3], r[4])\n"
        "end\n"
    )


def _wrk(base: str, requests: list, *, seconds: int = SECONDS) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(requests))
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s", "--latency", "-s", script.name, base],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    if not rps:
        raise RuntimeError(f"wrk measured nothing:\n{out}")
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
    }


def _latency(out: str, label: str) -> float:
    """A wrk latency percentile in ms."""
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _warm(base: str, fixture: dict) -> None:
    """Every worker process renders pages and saves answers before anything is measured."""
    _wrk(base, fixture["pages"] + fixture["autosaves"] + [("GET", "/bench/ok", {}, "")], seconds=8)


def _pgbench(db: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_upsert (id int PRIMARY KEY, v int NOT NULL)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "\\set id random(1, 10000)\n"
            "INSERT INTO bench_upsert (id, v) VALUES (:id, 1) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v;\n"
        )
    command = ["pgbench", "-n", "-c", str(CONNECTIONS), "-j", "2", "-T", str(SECONDS), "-f", script.name]
    command += ["-U", db["USER"], "-h", _host(db)]
    if db.get("PORT"):
        command += ["-p", str(db["PORT"])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    out = subprocess.run([*command, db["NAME"]], capture_output=True, text=True, check=True, env=env).stdout
    os.unlink(script.name)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    return {"tps": tps, "latency_avg": latency}


# --------------------------------------------------------------------------- scoring


def _scoring(fixture: dict) -> None:
    from django.db import connection, transaction

    from assessments import services
    from assessments.models import AnalysisRun, AssessmentSession, Response

    version = fixture["version"]
    template = fixture["sessions"][0]
    rng = random.Random(11)
    services.responses_save(session=template, answers={k: str(rng.randint(1, 5)) for k in fixture["keys"]})
    services.session_submit(session=template)
    answers = list(Response.objects.filter(session=template))
    with transaction.atomic():
        copies = AssessmentSession.objects.bulk_create(
            AssessmentSession(
                subject=template.subject,
                questionnaire_version=version,
                respondent_kind=template.respondent_kind,
                respondent_user=template.respondent_user,
                status=AssessmentSession.Status.SUBMITTED,
                submitted_at=template.submitted_at,
            )
            for _ in range(SCORING_SESSIONS - 1)
        )
        Response.objects.bulk_create(
            Response(session=session, item_id=answer.item_id, selected_option_id=answer.selected_option_id)
            for session in copies
            for answer in answers
        )
    sessions = [template, *copies]
    answered = Response.objects.filter(session__in=sessions).count()

    # The reference: every session's per-dimension sums of option values, in one statement.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_sums")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_sums (session_id uuid, dimension_id bigint, raw double precision)"
        )
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO bench_sums (session_id, dimension_id, raw)
            SELECT r.session_id, m.dimension_id, SUM(o.value)
            FROM assessments_response r
            JOIN questionnaires_questiontraitmapping m ON m.item_id = r.item_id
            JOIN questionnaires_questionoption o ON o.id = r.selected_option_id
            JOIN assessments_assessmentsession s ON s.id = r.session_id
            WHERE s.questionnaire_version_id = %s
            GROUP BY r.session_id, m.dimension_id
            """,
            [version.pk],
        )
        reference = time.perf_counter() - started

    sample = sessions[:SCORING_SAMPLE]
    runs = [AnalysisRun.objects.create(session=session) for session in sample]
    services.run_score(run_id=runs[0].pk)  # the plan is built once per process
    started = time.perf_counter()
    for run in runs[1:]:
        services.run_score(run_id=run.pk)
    per_run = (time.perf_counter() - started) / (len(runs) - 1)

    # The batch path: every session re-scored, claimed and stored BATCH runs at a time.
    pending = AnalysisRun.objects.bulk_create(AnalysisRun(session=session) for session in sessions)
    started = time.perf_counter()
    while services.runs_score_batch(limit=BATCH):
        pass
    total = time.perf_counter() - started
    done = AnalysisRun.objects.filter(
        pk__in=[run.pk for run in pending], status=AnalysisRun.Status.DONE
    ).count()
    print(f"scoring ratio {total / reference:.1f} goal <=3")
    print(
        f"  runs_score_batch ({BATCH} per batch): {done:,} of {len(sessions):,} runs in {total:.2f} s "
        f"({total / len(sessions) * 1000:.2f} ms per run); reference INSERT ... SELECT ... GROUP BY "
        f"over {answered:,} answers: {reference * 1000:.0f} ms"
    )
    print(
        f"  run_score one at a time (the outbox path): {per_run * 1000:.1f} ms per run "
        f"(mean of {len(runs) - 1}), ratio {per_run * len(sessions) / reference:.1f}"
    )


def _report(name: str, ratio: float, goal: str, measured: dict, reference: dict, unit: str) -> None:
    print(f"{name} ratio {ratio:.3f} goal {goal}", flush=True)
    ref = reference.get("rps") or reference.get("tps")
    line = (
        f"  {name}: {measured['rps']:.1f} req/s, p50 {measured['p50']:.1f} ms, p99 {measured['p99']:.1f} ms, "
        f"{measured['requests']:,} requests, {measured['non_2xx']} not 2xx/3xx"
    )
    if measured["socket_errors"]:
        line += f", socket errors {measured['socket_errors']}"
    print(line)
    if "p50" in reference:
        print(f"  reference: {ref:.1f} {unit}, p50 {reference['p50']:.1f} ms, p99 {reference['p99']:.1f} ms")
    else:
        print(
            f"  reference (pgbench upsert): {ref:.1f} {unit}, latency avg {reference['latency_avg']:.2f} ms"
        )


if __name__ == "__main__":
    main()
