"""Background work of LLM benchmarks: thin outbox handlers that call one service."""

from assessments.benchmarks import services
from personai.outbox import outbox_handler


@outbox_handler(services.RUN_TASK)
def benchmark_run(payload: dict) -> None:
    services.benchmark_run_execute(run_id=payload["run_id"], max_seconds=services.slice_seconds())


@outbox_handler(services.BATCH_TASK)
def benchmark_batch_refresh(payload: dict) -> None:
    services.batch_refresh(subject_id=payload["subject_id"], version_id=payload["version_id"])
