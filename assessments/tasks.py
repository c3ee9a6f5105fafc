"""Background work of the assessments app: thin outbox handlers that call one service."""

from assessments import services
from personai.outbox import outbox_handler


@outbox_handler(services.SCORE_TASK)
def score_run(payload: dict) -> None:
    services.run_score(run_id=payload["run_id"])


from assessments.benchmarks import tasks as _benchmark_tasks  # noqa: F401,E402
