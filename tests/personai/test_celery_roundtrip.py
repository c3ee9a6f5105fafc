"""A real worker consumes from the real Redis broker and answers personai.ping."""

from __future__ import annotations

import pytest

from personai.celery import ping
from tests.worker import running_worker


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_answers_ping_through_redis():
    with running_worker():
        assert ping.delay().get(timeout=20) == "pong"
