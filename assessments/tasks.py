"""Background work of the assessments app: thin outbox handlers and beat tasks that call one service."""

from django.conf import settings

from assessments import services
from personai.celery import app
from personai.outbox import outbox_handler


@outbox_handler(services.SCORE_TASK)
def score_run(payload: dict) -> None:
    services.run_score(run_id=payload["run_id"])


@app.task(name="assessments.score_pending_runs", ignore_result=True)
def score_pending_runs() -> int:
    """Beat: score whatever runs are pending, in batches (SKIP LOCKED beside the outbox's)."""
    return services.runs_score_pending(workers=settings.SCORE_WORKERS)


from assessments.benchmarks import tasks as _benchmark_tasks  # noqa: F401,E402
