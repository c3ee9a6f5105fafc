"""The Celery app, configured from Django settings (CELERY_* names), per the Celery Django guide."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")

app = Celery("personai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="personai.ping")
def ping() -> str:
    """Round trip used by the health check and tests to prove a worker is consuming."""
    return "pong"
