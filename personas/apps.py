from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"

    def ready(self) -> None:
        from assessments.signals import run_scored
        from personas.services.mindscapes import on_run_scored

        # A scored run (the subject's own, or an observer's) changes the mindscape: rebuild it.
        run_scored.connect(on_run_scored, dispatch_uid="personas.rebuild_mindscape_on_run_scored")
