from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self) -> None:
        from assessments.benchmarks.services import on_run_scored
        from assessments.signals import run_scored

        run_scored.connect(on_run_scored, dispatch_uid="assessments.benchmark_batch_on_run_scored")
