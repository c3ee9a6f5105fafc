"""Assessments speed: scoring and storing a 120-item session, and a CSV export of 1,000 sessions.

Runs in a throwaway database (``bench_<name>``, created and dropped here), so it neither needs
nor touches your data; the outbox's post-commit nudge is replaced by a no-op (no broker needed).

* ``services.run_score``: load the version, build the engine input, score the built-in
  IPIP-NEO-120 (120 items, 35 dimensions) and store scores, composites and the 120-row audit
  trail, as the worker does — timed over ``SCORE_RUNS`` fresh runs of one session.
* ``exports.write_sessions_csv``: 1,000 scored sessions of that version (120 answer columns, 70
  score columns). One session is answered and scored through the services; its rows are then
  copied in bulk for the other 999 (the bench measures the export, not the set-up).

Run: .venv/bin/python -m bench.bench_assessments
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from bench._database import throwaway_database

SCORE_RUNS = 30
EXPORT_SESSIONS = 1_000
INSTRUMENT = Path(__file__).resolve().parent.parent / "questionnaires" / "instruments" / "ipip-neo-120.json"


def main() -> None:
    with throwaway_database():
        _run()


def _run() -> None:
    from accounts.models import User
    from assessments import services
    from assessments.models import AssessmentSession
    from questionnaires.importing import import_json

    version = import_json(INSTRUMENT.read_bytes(), publish=True).version
    user = User.objects.create_user(username="bench", email="bench@example.com", password="x" * 20)
    rng = random.Random(42)
    session = services.session_start(
        subject=services.subject_get_or_create_for_user(user=user),
        version=version,
        respondent_kind=AssessmentSession.RespondentKind.SELF,
        respondent_user=user,
    )
    answers = {item.key: str(rng.randint(1, 5)) for item in version.items.all()}
    services.responses_save(session=session, answers=answers)
    run = services.session_submit(session=session)
    services.run_score(run_id=run.pk)  # warm up

    timings = []
    for _ in range(SCORE_RUNS):
        run = services.run_rescore(session=session)
        started = time.perf_counter()
        services.run_score(run_id=run.pk)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"run_score: {len(answers)} items, 35 dimensions, {SCORE_RUNS} runs: "
        f"median {statistics.median(timings):.1f} ms, mean {statistics.mean(timings):.1f} ms, "
        f"max {max(timings):.1f} ms per session (load, score, store)"
    )

    _export(version, session)


def _export(version, template) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from assessments import exports, selectors
    from assessments.models import (
        AnalysisRun,
        AssessmentSession,
        Response,
        SubjectProfile,
        TraitScore,
    )

    began = time.perf_counter()
    template.refresh_from_db()
    latest = AnalysisRun.objects.get(pk__in=selectors.latest_done_run_ids(AssessmentSession.objects.all()))
    responses = list(Response.objects.filter(session=template))
    scores = list(TraitScore.objects.filter(run=latest))
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"bench{n}", email=f"bench{n}@example.com") for n in range(EXPORT_SESSIONS - 1)
        )
        subjects = SubjectProfile.objects.bulk_create(
            SubjectProfile(user=user, owner=user, display_name=user.username) for user in users
        )
        sessions = AssessmentSession.objects.bulk_create(
            AssessmentSession(
                subject=subject,
                questionnaire_version=version,
                respondent_kind=AssessmentSession.RespondentKind.SELF,
                respondent_user=subject.user,
                status=AssessmentSession.Status.SCORED,
                submitted_at=template.submitted_at,
                scored_at=template.scored_at,
            )
            for subject in subjects
        )
        Response.objects.bulk_create(
            Response(session=session, item_id=r.item_id, selected_option_id=r.selected_option_id)
            for session in sessions
            for r in responses
        )
        runs = AnalysisRun.objects.bulk_create(
            AnalysisRun(session=session, status=AnalysisRun.Status.DONE, score_version=latest.score_version)
            for session in sessions
        )
        TraitScore.objects.bulk_create(
            TraitScore(
                run=run,
                dimension_id=s.dimension_id,
                raw_score=s.raw_score,
                normalized_score=s.normalized_score,
                item_mean=s.item_mean,
                band=s.band,
                band_label=s.band_label,
                item_count=s.item_count,
            )
            for run in runs
            for s in scores
        )
    print(f"export set-up: {EXPORT_SESSIONS:,} sessions copied in {time.perf_counter() - began:.1f}s")

    sink = _Counter()
    connection.force_debug_cursor = True
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        rows = exports.write_sessions_csv(sink, version, AssessmentSession.objects.all())
        seconds = time.perf_counter() - started
    header, last = exports.session_rows(version, AssessmentSession.objects.filter(pk=sessions[-1].pk))
    empty = [name for name, cell in zip(header, last, strict=True) if not cell]
    assert not empty, f"empty cells in a copied session: {empty}"
    print(
        f"CSV export: {rows:,} sessions x {len(responses)} items in {seconds:.2f}s "
        f"({sink.size / 1e6:.1f} MB, {rows / seconds:,.0f} sessions/s, {len(queries)} queries)"
    )


class _Counter:
    """A text sink that only counts what is written."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


if __name__ == "__main__":
    main()
