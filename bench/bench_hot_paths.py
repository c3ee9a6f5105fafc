"""Hot paths against references measured in the same run, on the same machine.

Prints one line per benchmark, exactly ``<name> ratio X goal >=Y`` (or ``<=Y``), then its
absolute figures:

* ``take_page``: signed-in GETs of ``/assessments/{id}/q/{n}/`` (IPIP-NEO-120, random sessions
  and pages) against a bare Django view returning "ok" (``bench/_serve_urls.py``) on the same
  gunicorn, started as ``make run`` starts it (ASGI, uvicorn workers, ``WEB_CONCURRENCY`` 2,
  a connection pool per process, ``DEBUG=false``). Load: ``wrk``, 8 connections, on loopback.
* ``autosave``: ``PUT /api/v1/sessions/{id}/responses/`` with one answer (API key), against
  ``pgbench`` upserting one row (``INSERT … ON CONFLICT DO UPDATE``), 8 clients, same server.
* ``scoring``: ``services.runs_score_batch`` over ``BENCH_SCORING_SESSIONS`` (10,000) submitted
  IPIP-NEO-120 sessions, against one ``INSERT … SELECT … GROUP BY`` computing every session's
  raw score of every facet and domain from the same 1.2 M answers (``REFERENCE_SUMS``; asserted
  equal to the stored scores). Ratio = scoring time / reference time (lower is better).

Also prints p50/p99 latency (wrk), the CPU time per request of the web server's processes and
of PostgreSQL's (from ``/proc``: where a path's cost goes, steadier than requests/s when the
machine's speed varies), and the peak RSS of a web process (ru_maxrss of the children) and of
this process, which scores as a worker does.

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
SCORING_SESSIONS = int(os.environ.get("BENCH_SCORING_SESSIONS", "10000"))
SCORING_SAMPLE = 60
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
        with _Server(web_env, postmaster_pid=_postmaster_pid()) as server:
            base = server.base
            _warm(base, fixture)
            if "take_page" in ONLY:
                reference = _wrk(base, [("GET", "/bench/ok", {}, "")], server=server)
                take = _wrk(base, fixture["pages"], server=server)
                _report("take_page", take["rps"] / reference["rps"], ">=0.5", take, reference, "req/s")
                signed_in = _wrk(base, fixture["signed_in"], server=server)
                print(
                    f"  signed-in bare view (session and user only): {signed_in['rps']:.1f} req/s, "
                    f"p50 {signed_in['p50']:.1f} ms, ratio {signed_in['rps'] / reference['rps']:.3f} "
                    f"(the most any signed-in page reaches here){_cpu_text(signed_in)}"
                )
            if "autosave" in ONLY:
                upsert = _pgbench(connection.settings_dict)
                autosave = _wrk(base, fixture["autosaves"], server=server)
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
    pages, autosaves, sessions, signed_in = [], [], [], []
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
        # The cookies a browser holds from its first page: the session's and the CSRF token's
        # (without the latter every page would mint and set a new CSRF secret, as only a
        # browser's very first visit does).
        client.get(f"/assessments/{session.pk}/q/1/")
        cookie = {
            "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={client.cookies['csrftoken'].value}"
        }
        for page in range(1, 9):
            pages.append(("GET", f"/assessments/{session.pk}/q/{page}/", cookie, ""))
        signed_in.append(("GET", "/bench/ok-signed-in", cookie, ""))
        _key, raw = account_services.api_key_create(user=user, name="bench")
        headers = {"Authorization": f"Api-Key {raw}", "Content-Type": "application/json"}
        for key in rng.sample(keys, 12):
            body = json.dumps({"answers": {key: str(rng.randint(1, 5))}})
            autosaves.append(("PUT", f"/api/v1/sessions/{session.pk}/responses/", headers, body))
        sessions.append(session)
    return {
        "version": version,
        "pages": pages,
        "autosaves": autosaves,
        "sessions": sessions,
        "keys": keys,
        "signed_in": signed_in,
    }


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

    def __init__(self, env: dict[str, str], *, postmaster_pid: int | None = None) -> None:
        self.env = env
        self.postmaster_pid = postmaster_pid  # the database server's, when it runs on this machine

    def __enter__(self) -> _Server:
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
                        self.base = base
                        return self
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


def _wrk(base: str, requests: list, *, seconds: int = SECONDS, server: _Server | None = None) -> dict:
    """wrk's figures; with `server`, also the CPU time per request of its processes and PostgreSQL's."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(requests))
    before = _cpu_ticks(server) if server is not None else None
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
    measured = {
        "rps": rps,
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
        "p50": _latency(out, "50%"),
        "p99": _latency(out, "99%"),
    }
    if before is not None:
        after = _cpu_ticks(server)
        ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")
        measured["cpu_ms"] = {
            part: (after[part] - before[part]) * ms_per_tick / total
            for part in ("web", "postgres")
            if part in after
        }
    return measured


def _cpu_ticks(server: _Server) -> dict[str, int]:
    """CPU time (user + system, in clock ticks) used so far by the web server (its master and
    workers) and by the database server (its postmaster and backends; left out when it does not
    run here); empty without /proc. A process that ended between two readings takes its ticks
    with it, so compare readings around one load only."""
    if not Path("/proc/self/stat").exists():
        return {}
    owners = {server.process.pid: "web"}
    if server.postmaster_pid is not None:
        owners[server.postmaster_pid] = "postgres"
    ticks = dict.fromkeys(owners.values(), 0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        owner = owners.get(int(entry.name)) or owners.get(int(fields[1]))  # itself, or its parent
        if owner is not None:
            ticks[owner] += int(fields[11]) + int(fields[12])
    return ticks


def _postmaster_pid() -> int | None:
    """The pid of the database server's postmaster when it runs on this machine (the parent of
    this connection's backend), else None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
    except OSError:  # another machine, or no /proc
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def _cpu_text(measured: dict) -> str:
    cpu = measured.get("cpu_ms")
    if not cpu:
        return ""
    parts = [f"web {cpu['web']:.2f} ms"]
    if "postgres" in cpu:
        parts.append(f"PostgreSQL {cpu['postgres']:.2f} ms")
    return f"; CPU per request: {', '.join(parts)}"


def _latency(out: str, label: str) -> float:
    """A wrk latency percentile in ms."""
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _warm(base: str, fixture: dict) -> None:
    """Every worker process renders pages and saves answers before anything is measured."""
    _wrk(
        base,
        fixture["pages"] + fixture["autosaves"] + fixture["signed_in"] + [("GET", "/bench/ok", {}, "")],
        seconds=8,
    )


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


# The reference: what the product stores as every session's raw score of every dimension, in one
# INSERT … SELECT … GROUP BY into an unlogged table. Each mapping's rule is applied in SQL to every
# option of its item (linear with reverse keying about the item's value range, option weights,
# constants), each facet's contribution also counted for its parent domain; the answers are
# joined with that and summed. The bench asserts that these sums equal the stored raw scores.
# MATERIALIZED, so that the rules (JSON params) are evaluated per option, not per answer; a CTE
# has no statistics, so the bench runs it with nested loops off: the planner's guess of ~100
# joined rows would otherwise probe sessions by index for each of the 2.4 M rows. (Measured on
# 3,000 sessions: 1.0 s this way, 1.7 s inlined, 1.35 s with GROUPING SETS instead of the join
# on the parent.)
REFERENCE_SUMS = """
INSERT INTO bench_sums (session_id, dimension_id, raw)
WITH contribution AS MATERIALIZED (
    SELECT m.item_id, o.id AS option_id, up.dimension_id,
        CASE m.rule_type
            WHEN 'range_linear' THEN
                CASE WHEN (m.params ->> 'reverse')::boolean THEN b.low + b.high - o.value ELSE o.value END
                * coalesce((m.params ->> 'multiplier')::float8, 1)
                + coalesce((m.params ->> 'offset')::float8, 0)
            WHEN 'option_weight' THEN coalesce((m.params ->> 'weight')::float8, 0)
            WHEN 'constant' THEN coalesce((m.params ->> 'value')::float8, 0)
        END AS contribution
    FROM questionnaires_questiontraitmapping m
    JOIN questionnaires_questionnaireitem i ON i.id = m.item_id AND NOT i.unscored
    JOIN questionnaires_questionoption o
        ON o.bank_item_id = i.bank_item_id AND (m.option_id IS NULL OR m.option_id = o.id)
    JOIN (
        SELECT bank_item_id, min(value) AS low, max(value) AS high
        FROM questionnaires_questionoption GROUP BY bank_item_id
    ) AS b ON b.bank_item_id = i.bank_item_id
    JOIN questionnaires_traitdimension d ON d.id = m.dimension_id
    CROSS JOIN LATERAL (VALUES (d.id), (d.parent_id)) AS up(dimension_id)
    WHERE i.version_id = %(version)s AND up.dimension_id IS NOT NULL
)
SELECT r.session_id, c.dimension_id, sum(c.contribution)
FROM assessments_response r
JOIN assessments_assessmentsession s ON s.id = r.session_id
JOIN contribution c ON c.item_id = r.item_id AND c.option_id = r.selected_option_id
WHERE s.questionnaire_version_id = %(version)s AND s.status = 'submitted'
GROUP BY r.session_id, c.dimension_id
"""


def _scoring_sessions(fixture: dict) -> tuple[list, float]:
    """SCORING_SESSIONS submitted sessions (the first of the fixture's, completed, and copies
    answering every item at random); returns them and the seconds it took."""
    from django.db import connection, transaction

    from assessments import services
    from assessments.models import AssessmentSession

    version = fixture["version"]
    template = fixture["sessions"][0]
    rng = random.Random(11)
    services.responses_save(session=template, answers={k: str(rng.randint(1, 5)) for k in fixture["keys"]})
    services.session_submit(session=template)
    built = time.perf_counter()
    with transaction.atomic():
        copies = AssessmentSession.objects.bulk_create(
            (
                AssessmentSession(
                    subject=template.subject,
                    questionnaire_version=version,
                    respondent_kind=template.respondent_kind,
                    respondent_user=template.respondent_user,
                    status=AssessmentSession.Status.SUBMITTED,
                    submitted_at=template.submitted_at,
                )
                for _ in range(SCORING_SESSIONS - 1)
            ),
            batch_size=2000,
        )
        # 120 answers per copy, a random option of each item (seeded), in one statement: the
        # ORM's bulk_create of 1.2 M rows would take minutes.
        with connection.cursor() as cursor:
            # Valid by construction (the version's own items and options): skip the 3.6 M per-row
            # foreign-key trigger checks, most of the build's time (needs a superuser, as the
            # embedded server's is; elsewhere the checks simply run).
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SELECT setseed(0.11)")
            cursor.execute(
                """
                INSERT INTO assessments_response (session_id, item_id, selected_option_id, value_text, answered_at)
                SELECT s.id, i.id, i.options[1 + floor(random() * cardinality(i.options))::int], '', now()
                FROM unnest(%s::uuid[]) WITH ORDINALITY AS s(id, n)
                CROSS JOIN (
                    SELECT qi.id, qi.sort_order, array_agg(o.id ORDER BY o.sort_order, o.id) AS options
                    FROM questionnaires_questionnaireitem qi
                    JOIN questionnaires_questionoption o ON o.bank_item_id = qi.bank_item_id
                    WHERE qi.version_id = %s
                    GROUP BY qi.id
                ) AS i
                -- Stored as answers arrive, a session's sheet (or page) at a time: not item by
                -- item across all sessions, which would put each of a session's answers on a
                -- page of its own.
                ORDER BY s.n, i.sort_order, i.id
                """,
                [[copy.pk for copy in copies], version.pk],
            )
    with connection.cursor() as cursor:
        # Statistics as autovacuum would have them by now: the planner's row estimates for the
        # fresh tables (1 session, 65 items) otherwise pick nested loops over 1.2 M answers.
        cursor.execute("ANALYZE")
    return [template, *copies], time.perf_counter() - built


def _scoring(fixture: dict) -> None:
    from django.conf import settings
    from django.db import connection, transaction

    from assessments import services
    from assessments.models import AnalysisRun

    version = fixture["version"]
    sessions, built = _scoring_sessions(fixture)

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_sums")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_sums (session_id uuid, dimension_id bigint, raw double precision)"
        )
        with transaction.atomic():
            # The memory the product's scoring statement runs with (batch_scoring.score_runs):
            # with the default 4 MB the 350,000 groups spill to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL enable_nestloop = off")  # see REFERENCE_SUMS
            started = time.perf_counter()
            cursor.execute(REFERENCE_SUMS, {"version": version.pk})
            reference = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_sums")
        reference_rows = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM assessments_response r JOIN assessments_assessmentsession s "
            "ON s.id = r.session_id WHERE s.questionnaire_version_id = %s AND s.status = 'submitted'",
            [version.pk],
        )
        answered = cursor.fetchone()[0]

    sample = sessions[:SCORING_SAMPLE]
    runs = [AnalysisRun.objects.create(session=session) for session in sample]
    services.run_score(run_id=runs[0].pk)  # the plan is built once per process
    started = time.perf_counter()
    for run in runs[1:]:
        services.run_score(run_id=run.pk)
    per_run = (time.perf_counter() - started) / (len(runs) - 1)

    # The batch path, twice over every session: as the beat sweep drains it (SCORE_WORKERS
    # connections, each claiming its own SCORE_BATCH_SIZE runs), then by one connection (on
    # tables that already hold the first pass's 350,000 scores).
    def drained(workers: int) -> tuple[list, float]:
        pending = AnalysisRun.objects.bulk_create(
            (AnalysisRun(session=session) for session in sessions), batch_size=2000
        )
        started = time.perf_counter()
        services.runs_score_pending(max_batches=len(sessions), workers=workers)
        return [run.pk for run in pending], time.perf_counter() - started

    pending_ids, total = drained(settings.SCORE_WORKERS)
    done = AnalysisRun.objects.filter(pk__in=pending_ids, status=AnalysisRun.Status.DONE).count()

    # The reference computed the same sums: equal to the raw scores the batch stored, for every
    # (session, dimension), and no row on either side without its match.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE ref.raw IS DISTINCT FROM stored.raw_score)
            FROM bench_sums ref
            FULL JOIN (
                SELECT run.session_id, score.dimension_id, score.raw_score
                FROM assessments_traitscore score JOIN assessments_analysisrun run ON run.id = score.run_id
                WHERE run.id = ANY(%s::uuid[])
            ) AS stored ON stored.session_id = ref.session_id AND stored.dimension_id = ref.dimension_id
            """,
            [pending_ids],
        )
        compared, differing = cursor.fetchone()
    assert done == len(sessions), f"{len(sessions) - done} runs not scored"
    assert differing == 0, (
        f"{differing} of {compared} (session, dimension) sums differ from the stored raw scores"
    )
    assert compared == reference_rows, (compared, reference_rows)
    _serial_ids, serial = drained(1)

    print(f"scoring ratio {total / reference:.1f} goal <=3")
    print(
        f"  beat sweep ({settings.SCORE_WORKERS} connections, {services.SCORE_BATCH_SIZE} runs per batch): "
        f"{done:,} of {len(sessions):,} runs in {total:.2f} s ({total / len(sessions) * 1000:.2f} ms per run); "
        f"reference INSERT ... SELECT ... GROUP BY (one statement, one core) over {answered:,} answers: "
        f"{reference * 1000:.0f} ms, {reference_rows:,} sums equal to the stored raw scores"
    )
    print(
        f"  one connection (second pass): {serial:.2f} s ({serial / len(sessions) * 1000:.2f} ms per run), "
        f"ratio {serial / reference:.1f}"
    )
    print(
        f"  run_score one at a time (the outbox path): {per_run * 1000:.1f} ms per run "
        f"(mean of {len(runs) - 1}), ratio {per_run * len(sessions) / reference:.1f}"
    )
    print(f"  fixture: {len(sessions):,} sessions and their answers built in {built:.1f} s")


def _report(name: str, ratio: float, goal: str, measured: dict, reference: dict, unit: str) -> None:
    print(f"{name} ratio {ratio:.3f} goal {goal}", flush=True)
    ref = reference.get("rps") or reference.get("tps")
    line = (
        f"  {name}: {measured['rps']:.1f} req/s, p50 {measured['p50']:.1f} ms, p99 {measured['p99']:.1f} ms, "
        f"{measured['requests']:,} requests, {measured['non_2xx']} not 2xx/3xx"
    )
    if measured["socket_errors"]:
        line += f", socket errors {measured['socket_errors']}"
    print(line + _cpu_text(measured))
    if "p50" in reference:
        print(
            f"  reference: {ref:.1f} {unit}, p50 {reference['p50']:.1f} ms, p99 {reference['p99']:.1f} ms"
            + _cpu_text(reference)
        )
    else:
        print(
            f"  reference (pgbench upsert): {ref:.1f} {unit}, latency avg {reference['latency_avg']:.2f} ms"
        )


if __name__ == "__main__":
    main()
