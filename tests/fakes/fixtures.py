"""Fixtures around the fakes. Register with ``pytest_plugins = ["tests.fakes.fixtures"]``."""

from __future__ import annotations

import pytest

from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
def fake_llm(settings):
    """A fake OpenAI-compatible server; settings point chat and embeddings at it.

    Retries keep their configured count but pause only briefly, so failure tests stay fast; a
    test that measures the backoff sets LLM_RETRY_BACKOFF_SECONDS itself.
    """
    with FakeOpenAIServer() as server:
        settings.LLM_BASE_URL = server.base_url
        settings.LLM_API_KEY = server.api_key
        settings.LLM_MODEL = server.model
        settings.LLM_TIMEOUT_SECONDS = 5.0
        settings.LLM_MAX_RETRIES = 2
        settings.LLM_RETRY_BACKOFF_SECONDS = 0.01
        settings.EMBEDDING_BASE_URL = server.base_url
        settings.EMBEDDING_API_KEY = server.api_key
        settings.EMBEDDING_MODEL = "fake-embedding"
        yield server
