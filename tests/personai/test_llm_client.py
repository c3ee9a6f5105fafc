"""personai.llm against a fake OpenAI-compatible server on a real socket."""

from __future__ import annotations

import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from personai import llm
from personai.local_llm import DEMO_MODEL_NAME
from tests.fakes.openai_server import DIMENSIONS, fake_vector

MESSAGES = [{"role": "user", "content": "Say hello please"}]


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_chat_returns_text_and_usage_and_sends_key_and_model(fake_llm):
    result = llm.chat(MESSAGES, temperature=0.2, max_tokens=50)

    assert result == llm.ChatResult(
        text="Hello from the fake model.",
        model="fake-model",
        prompt_tokens=3,
        completion_tokens=5,
        finish_reason="stop",
    )
    (request,) = fake_llm.requests_to("/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.body["model"] == "fake-model"
    assert request.body["messages"] == MESSAGES
    assert request.body["temperature"] == 0.2
    assert request.body["max_tokens"] == 50


def test_chat_model_argument_overrides_the_setting(fake_llm):
    llm.chat(MESSAGES, model="other-model")

    assert fake_llm.requests_to("/v1/chat/completions")[0].body["model"] == "other-model"


def test_stream_chat_yields_deltas_in_order_then_usage(fake_llm):
    chunks = list(llm.stream_chat(MESSAGES))

    assert [c.text for c in chunks[:-1]] == ["Hello", " from", " the", " fake", " model."]
    assert not any(c.done for c in chunks[:-1])
    final = chunks[-1]
    assert final == llm.ChatChunk(
        text="", done=True, model="fake-model", finish_reason="stop", prompt_tokens=3, completion_tokens=5
    )
    (request,) = fake_llm.requests_to("/v1/chat/completions")
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


def test_stream_chat_without_usage_from_the_server_reports_none(fake_llm):
    fake_llm.stream_usage = False

    final = list(llm.stream_chat(MESSAGES))[-1]

    assert final.done
    assert final.finish_reason == "stop"
    assert final.prompt_tokens is None
    assert final.completion_tokens is None


def test_hanging_server_fails_within_the_timeout_after_all_retries(fake_llm, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.5
    settings.LLM_MAX_RETRIES = 2
    fake_llm.hang_next(3, seconds=10)

    began = time.monotonic()
    with pytest.raises(llm.LLMUnavailable, match=r"did not answer within 0.5 s \(3 attempts\)"):
        llm.chat(MESSAGES)
    elapsed = time.monotonic() - began

    assert len(fake_llm.requests_to("/v1/chat/completions")) == 1 + settings.LLM_MAX_RETRIES
    assert 1.5 <= elapsed < 3.5


def test_two_server_errors_then_success_is_retried_with_backoff(fake_llm, settings):
    settings.LLM_RETRY_BACKOFF_SECONDS = 0.2  # pauses of ~0.2 s then ~0.4 s (minus up to 25% jitter)
    fake_llm.fail_next(2, status=500)

    began = time.monotonic()
    result = llm.chat(MESSAGES)
    elapsed = time.monotonic() - began

    assert result.text == "Hello from the fake model."
    assert len(fake_llm.requests_to("/v1/chat/completions")) == 3
    assert elapsed >= 0.45


def test_rate_limit_is_retried(fake_llm):
    fake_llm.fail_next(1, status=429, headers={"Retry-After": "0"})

    assert llm.chat(MESSAGES).text
    assert len(fake_llm.requests) == 2


def test_persistent_server_errors_give_up_after_the_retries(fake_llm):
    fake_llm.fail_next(3, status=503)

    with pytest.raises(llm.LLMUnavailable, match=r"HTTP 503: Scripted failure 503 \(3 attempts\)") as info:
        llm.chat(MESSAGES)

    assert info.value.status_code == 503
    assert len(fake_llm.requests) == 3


def test_bad_request_is_not_retried(fake_llm):
    fake_llm.fail_next(1, status=400, body={"error": {"message": "messages must not be empty"}})

    with pytest.raises(llm.LLMResponseError, match="HTTP 400: messages must not be empty") as info:
        llm.chat(MESSAGES)

    assert info.value.status_code == 400
    assert len(fake_llm.requests) == 1


def test_wrong_api_key_is_a_response_error(fake_llm, settings):
    settings.LLM_API_KEY = "wrong"

    with pytest.raises(llm.LLMResponseError, match="HTTP 401: Incorrect API key"):
        llm.chat(MESSAGES)
    assert len(fake_llm.requests) == 1


def test_dropped_connection_is_retried(fake_llm):
    fake_llm.drop_next(1)

    assert llm.chat(MESSAGES).text == "Hello from the fake model."
    assert len(fake_llm.requests) == 2


def test_malformed_body_is_a_response_error(fake_llm):
    fake_llm.garble_next(1)

    with pytest.raises(llm.LLMResponseError, match="unusable answer"):
        llm.chat(MESSAGES)
    assert len(fake_llm.requests) == 1


def test_connection_refused_is_unavailable_with_a_readable_message(settings):
    port = _unused_port()
    settings.LLM_BASE_URL = f"http://user:secret@127.0.0.1:{port}/v1?key=hidden"
    settings.LLM_MODEL = "any"
    settings.LLM_MAX_RETRIES = 1
    settings.LLM_RETRY_BACKOFF_SECONDS = 0.01

    with pytest.raises(llm.LLMUnavailable) as info:
        llm.chat(MESSAGES)

    message = str(info.value)
    assert message.startswith(f"Could not connect to the LLM at http://127.0.0.1:{port}/v1 (2 attempts)")
    assert "secret" not in message
    assert "hidden" not in message


def test_streaming_retries_only_before_the_first_chunk(fake_llm):
    fake_llm.fail_next(1, status=502)

    chunks = list(llm.stream_chat(MESSAGES))

    assert "".join(c.text for c in chunks) == "Hello from the fake model."
    assert len(fake_llm.requests) == 2


def test_external_server_without_a_model_is_a_configuration_error(settings):
    settings.LLM_BASE_URL = "https://api.example.invalid/v1"
    settings.LLM_MODEL = ""

    with pytest.raises(ImproperlyConfigured, match="LLM_MODEL must be set"):
        llm.chat(MESSAGES)


def test_embed_through_the_server_returns_384_dimensional_vectors(fake_llm):
    result = llm.embed(["first text", "second text"])

    assert result.model == "fake-embedding"
    assert result.prompt_tokens == 4
    assert [len(v) for v in result.vectors] == [DIMENSIONS, DIMENSIONS]
    assert result.vectors[0] == pytest.approx(fake_vector("first text"))
    assert result.vectors[1] == pytest.approx(fake_vector("second text"))
    (request,) = fake_llm.requests_to("/v1/embeddings")
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.body == {
        "model": "fake-embedding",
        "input": ["first text", "second text"],
        "encoding_format": "float",
    }


def test_embed_rejects_vectors_of_the_wrong_size(fake_llm, monkeypatch):
    monkeypatch.setattr("tests.fakes.openai_server.DIMENSIONS", 1536)

    with pytest.raises(llm.LLMResponseError, match="1536 dimensions"):
        llm.embed(["text"])


def test_describe_shows_the_endpoint_without_secrets(settings):
    settings.LLM_BASE_URL = "https://user:pw@llm.example.com/v1?api_key=abc"
    settings.LLM_MODEL = "gpt-test"
    settings.LLM_API_KEY = "sk-secret"
    settings.EMBEDDING_BASE_URL = ""

    info = llm.describe()

    assert info["base_url"] == "https://llm.example.com/v1"
    assert info["model"] == "gpt-test"
    assert info["is_demo"] is False
    assert info["embedding_base_url"] is None
    assert "sk-secret" not in repr(info) and "pw" not in repr(info) and "abc" not in repr(info)


def test_describe_recognises_the_embedded_demo_model(settings):
    settings.LLM_BASE_URL = ""
    settings.LLM_MODEL = ""

    info = llm.describe()

    assert info["base_url"] == f"http://127.0.0.1:{settings.EMBEDDED_LLM_PORT}/v1"
    assert info["model"] == DEMO_MODEL_NAME
    assert info["is_demo"] is True


def test_check_is_true_when_the_server_answers(fake_llm):
    assert llm.check() is True
    assert [r.path for r in fake_llm.requests] == ["/v1/models"]


def test_check_is_false_quickly_when_the_server_hangs(fake_llm):
    fake_llm.hang_next(1, seconds=10)

    began = time.monotonic()
    assert llm.check(timeout=0.3) is False
    assert time.monotonic() - began < 1.5
    assert len(fake_llm.requests) == 1


def test_check_is_false_when_nothing_listens(settings):
    settings.LLM_BASE_URL = f"http://127.0.0.1:{_unused_port()}/v1"
    settings.LLM_MODEL = "any"

    assert llm.check(timeout=0.5) is False
