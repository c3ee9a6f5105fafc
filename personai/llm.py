"""The one module that talks to LLM vendors, over the OpenAI-compatible API.

OpenAI, Ollama, vLLM and llama.cpp servers all speak it; the embedded demo server
(``personai.local_llm``) does too. Everything is read from settings at call time:

- Chat: LLM_BASE_URL (default: the embedded server on EMBEDDED_LLM_PORT), LLM_API_KEY,
  LLM_MODEL (default: the demo model, for the embedded server only).
- Embeddings: EMBEDDING_BASE_URL, EMBEDDING_API_KEY, EMBEDDING_MODEL; with no
  EMBEDDING_BASE_URL they are computed in-process (``personai.embeddings``).
- Every request has a timeout (LLM_TIMEOUT_SECONDS) and is retried at most LLM_MAX_RETRIES
  times, with exponential backoff from LLM_RETRY_BACKOFF_SECONDS, on connection errors,
  timeouts, 429 and 5xx; never on other 4xx. A call therefore gives up after at most
  ``(1 + LLM_MAX_RETRIES) * LLM_TIMEOUT_SECONDS`` plus the pauses (a streamed answer: per
  chunk).

Errors: :class:`LLMUnavailable` means "no usable answer now, try again later" (connection
refused, timeouts, 429/5xx after the retries); :class:`LLMResponseError` means the server
answered and retrying will not help (other 4xx, a malformed body). Both are :class:`LLMError`.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import openai
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from personai.local_llm import DEMO_MODEL_NAME

log = logging.getLogger(__name__)

_MAX_BACKOFF_SECONDS = 8.0
# Servers that ask for a pause (Retry-After) get it, up to this; longer asks fail at once.
_MAX_RETRY_AFTER_SECONDS = 20.0
# Local servers ignore the key, but the SDK refuses to send a request without one.
_NO_KEY = "no-key"

T = TypeVar("T")


# --------------------------------------------------------------------------- results and errors


@dataclass(frozen=True)
class ChatResult:
    text: str
    model: str
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None


@dataclass(frozen=True)
class ChatChunk:
    """One streamed piece: a text delta, or (``done=True``, always last) the closing summary.

    Token counts are those the server reported; None when it reported none.
    """

    text: str
    done: bool = False
    model: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: list[list[float]]
    model: str
    prompt_tokens: int | None


class LLMError(Exception):
    """Base of every error this module raises about a request. ``str()`` is for people."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class LLMUnavailable(LLMError):  # noqa: N818 - the name callers know
    """No usable answer now: unreachable, too slow, rate-limited or failing (after the retries)."""


class LLMResponseError(LLMError):
    """The server answered, but the request was refused (4xx) or the answer was malformed."""


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class _Endpoint:
    base_url: str
    api_key: str
    model: str
    is_demo: bool


def _embedded_base_url() -> str:
    return f"http://127.0.0.1:{settings.EMBEDDED_LLM_PORT}/v1"


def _is_embedded(base_url: str) -> bool:
    parts = urlsplit(base_url)
    return (
        parts.hostname in {"127.0.0.1", "localhost", "::1"}
        and parts.port == settings.EMBEDDED_LLM_PORT
        and parts.path.rstrip("/") == "/v1"
    )


def _public_url(url: str) -> str:
    """``url`` without user info, query or fragment, so it can be shown and logged."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _chat_endpoint() -> _Endpoint:
    base_url = (settings.LLM_BASE_URL or _embedded_base_url()).rstrip("/")
    embedded = _is_embedded(base_url)
    model = settings.LLM_MODEL or (DEMO_MODEL_NAME if embedded else "")
    if not model:
        raise ImproperlyConfigured(
            f"LLM_MODEL must be set: LLM_BASE_URL points at {_public_url(base_url)}, which is not the "
            "embedded demo server, so Personai cannot guess which model to ask for."
        )
    return _Endpoint(
        base_url=base_url,
        api_key=settings.LLM_API_KEY,
        model=model,
        is_demo=embedded and model == DEMO_MODEL_NAME,
    )


def _custom_endpoint(base_url: str, api_key: str | None, model: str | None) -> _Endpoint:
    base_url = base_url.rstrip("/")
    if not model:
        raise ImproperlyConfigured(
            f"A model must be named for the LLM at {_public_url(base_url)}; Personai cannot guess it."
        )
    return _Endpoint(base_url=base_url, api_key=api_key or "", model=model, is_demo=False)


def _embedding_endpoint() -> _Endpoint | None:
    """The remote embeddings endpoint, or None for in-process embeddings."""
    if not settings.EMBEDDING_BASE_URL:
        return None
    base_url = settings.EMBEDDING_BASE_URL.rstrip("/")
    if not settings.EMBEDDING_MODEL:
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL must be set when EMBEDDING_BASE_URL is ({_public_url(base_url)})."
        )
    return _Endpoint(
        base_url=base_url, api_key=settings.EMBEDDING_API_KEY, model=settings.EMBEDDING_MODEL, is_demo=False
    )


@functools.lru_cache(maxsize=8)
def _cached_client(base_url: str, api_key: str, pid: int) -> openai.OpenAI:  # noqa: ARG001 (cache key)
    # Retries are ours (see _with_retries), so the SDK must not add its own on top.
    return openai.OpenAI(base_url=base_url, api_key=api_key or _NO_KEY, max_retries=0)


def _client(endpoint: _Endpoint) -> openai.OpenAI:
    # One client (and connection pool) per endpoint and process: a pool is not shared across a
    # fork (Celery's prefork workers, gunicorn).
    return _cached_client(endpoint.base_url, endpoint.api_key, os.getpid())


def _timeout(timeout: float | None) -> float:
    return float(timeout if timeout is not None else settings.LLM_TIMEOUT_SECONDS)


# --------------------------------------------------------------------------- retries and errors


def _retry_after(exc: openai.APIStatusError) -> float | None:
    raw = exc.response.headers.get("retry-after")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None  # an HTTP date: rare enough to fall back to our own backoff


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500):
        retry_after = _retry_after(exc)
        return retry_after is None or retry_after <= _MAX_RETRY_AFTER_SECONDS
    return False


def _pause(attempt: int, exc: Exception) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based)."""
    backoff = min(settings.LLM_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), _MAX_BACKOFF_SECONDS)
    backoff *= 1 - 0.25 * random.random()  # jitter, so clients that failed together spread out
    if isinstance(exc, openai.APIStatusError):
        retry_after = _retry_after(exc)
        if retry_after is not None:
            return max(backoff, retry_after)
    return backoff


def _translate(exc: Exception, where: str, attempts: int, timeout: float) -> LLMError:
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailable(f"The LLM at {where} did not answer within {timeout:g} s ({tries}).")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = f": {cause}" if cause and str(cause) else ""
        return LLMUnavailable(f"Could not connect to the LLM at {where} ({tries}){detail}")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = f"The LLM at {where} answered HTTP {status}: {_error_detail(exc)}"
        if status == 429 or status >= 500:
            return LLMUnavailable(f"{message} ({tries})", status_code=status)
        return LLMResponseError(message, status_code=status)
    if isinstance(exc, openai.APIError):  # an error event inside a stream, a body that failed validation
        return LLMResponseError(f"The LLM at {where} sent an unusable answer: {exc.message}")
    if isinstance(exc, ValueError):  # a stream chunk that is not JSON
        return LLMResponseError(f"The LLM at {where} sent an unusable answer: {exc}")
    return LLMError(f"The request to the LLM at {where} failed: {exc}")


def _error_detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return str(message)[:300]
    if isinstance(body, str) and body.strip():
        return body.strip()[:300]
    return exc.response.reason_phrase or "no details"


def _with_retries(endpoint: _Endpoint, timeout: float, call: Callable[[], T]) -> T:
    where = _public_url(endpoint.base_url)
    max_retries = max(0, int(settings.LLM_MAX_RETRIES))
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except (openai.OpenAIError, ValueError) as exc:  # ValueError: a body that is not JSON
            if attempt > max_retries or not _is_retryable(exc):
                raise _translate(exc, where, attempt, timeout) from exc
            pause = _pause(attempt, exc)
            log.warning(
                "LLM request to %s failed (%s), retry %d/%d in %.2fs",
                where, type(exc).__name__, attempt, max_retries, pause,
            )  # fmt: skip
            time.sleep(pause)


def _malformed(endpoint: _Endpoint, what: str) -> LLMResponseError:
    return LLMResponseError(f"The LLM at {_public_url(endpoint.base_url)} sent an unusable answer: {what}")


# --------------------------------------------------------------------------- chat


def _chat_params(messages: list[dict], model: str, temperature: float | None, max_tokens: int | None) -> dict:
    params: dict = {"model": model, "messages": messages}
    if temperature is not None:
        params["temperature"] = temperature
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    return params


def chat(
    messages: list[dict],
    *,
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    seed: int | None = None,
    response_format: dict | None = None,
) -> ChatResult:
    """One chat completion. ``messages`` are OpenAI-style ``{"role": ..., "content": ...}`` dicts.

    ``base_url`` (with ``api_key`` and ``model``) sends this one call to another OpenAI-compatible
    server than the configured one, with the same timeout, retries and errors (LLM benchmarks of
    agents use it). ``seed`` is passed on for servers that support reproducible sampling, and
    ``response_format`` (e.g. a JSON schema) for servers with structured output.
    """
    endpoint = _chat_endpoint() if not base_url else _custom_endpoint(base_url, api_key, model)
    seconds = _timeout(timeout)
    params = _chat_params(messages, model or endpoint.model, temperature, max_tokens)
    if seed is not None:
        params["seed"] = seed
    if response_format is not None:
        params["response_format"] = response_format
    client = _client(endpoint)
    response = _with_retries(
        endpoint, seconds, lambda: client.chat.completions.create(**params, timeout=seconds)
    )
    choices = getattr(response, "choices", None)
    if not choices:
        raise _malformed(endpoint, "no choices in the response")
    choice = choices[0]
    message = getattr(choice, "message", None)
    if message is None:
        raise _malformed(endpoint, "no message in the first choice")
    usage = getattr(response, "usage", None)
    return ChatResult(
        text=message.content or "",
        model=getattr(response, "model", None) or params["model"],
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        finish_reason=getattr(choice, "finish_reason", None),
    )


def stream_chat(
    messages: list[dict],
    *,
    model: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = None,
) -> Iterator[ChatChunk]:
    """Stream a chat completion: text deltas, then one ``done=True`` chunk with finish reason and usage.

    Only opening the stream is retried: once text has been yielded a failure raises, since the
    caller has already shown part of the answer. ``timeout`` bounds each wait for the next chunk.
    """
    endpoint = _chat_endpoint()
    seconds = _timeout(timeout)
    params = _chat_params(messages, model or endpoint.model, temperature, max_tokens)
    client = _client(endpoint)
    where = _public_url(endpoint.base_url)
    stream = _with_retries(
        endpoint,
        seconds,
        lambda: client.chat.completions.create(
            **params, stream=True, stream_options={"include_usage": True}, timeout=seconds
        ),
    )
    answered_by = params["model"]
    finish_reason = None
    prompt_tokens = completion_tokens = None
    with stream:
        try:
            for event in stream:
                answered_by = getattr(event, "model", None) or answered_by
                usage = getattr(event, "usage", None)
                if usage is not None:
                    prompt_tokens = getattr(usage, "prompt_tokens", None)
                    completion_tokens = getattr(usage, "completion_tokens", None)
                for choice in getattr(event, "choices", None) or []:
                    if getattr(choice, "index", 0) != 0:
                        continue
                    finish_reason = getattr(choice, "finish_reason", None) or finish_reason
                    delta = getattr(choice, "delta", None)
                    text = getattr(delta, "content", None) if delta is not None else None
                    if text:
                        yield ChatChunk(text=text)
        except (openai.OpenAIError, ValueError) as exc:
            raise _translate(exc, where, 1, seconds) from exc
    yield ChatChunk(
        text="",
        done=True,
        model=answered_by,
        finish_reason=finish_reason,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


# --------------------------------------------------------------------------- embeddings


def embed(texts: list[str]) -> EmbeddingResult:
    """Embed ``texts`` as EMBEDDING_DIMENSIONS-long vectors, in order."""
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of strings, not one string")
    endpoint = _embedding_endpoint()
    if endpoint is None:
        from personai import embeddings

        vectors, tokens = embeddings.embed_local(texts)
        return EmbeddingResult(vectors=vectors, model=embeddings.MODEL_NAME, prompt_tokens=tokens)
    if not texts:
        return EmbeddingResult(vectors=[], model=endpoint.model, prompt_tokens=0)
    seconds = _timeout(None)
    client = _client(endpoint)
    response = _with_retries(
        endpoint,
        seconds,
        lambda: client.embeddings.create(
            model=endpoint.model, input=texts, encoding_format="float", timeout=seconds
        ),
    )
    data = getattr(response, "data", None)
    if not data or len(data) != len(texts):
        raise _malformed(endpoint, f"{len(data or [])} embeddings for {len(texts)} texts")
    ordered = sorted(data, key=lambda item: getattr(item, "index", 0))
    vectors = [list(item.embedding) for item in ordered]
    expected = settings.EMBEDDING_DIMENSIONS
    if any(len(vector) != expected for vector in vectors):
        raise _malformed(
            endpoint,
            f"vectors of {len(vectors[0])} dimensions from {endpoint.model}; Personai stores {expected} "
            "(EMBEDDING_DIMENSIONS): choose a model that returns that many",
        )
    usage = getattr(response, "usage", None)
    return EmbeddingResult(
        vectors=vectors,
        model=getattr(response, "model", None) or endpoint.model,
        prompt_tokens=getattr(usage, "prompt_tokens", None),
    )


# --------------------------------------------------------------------------- health


def chat_model() -> tuple[str | None, bool]:
    """(model name, is it the bundled demo model) for labelling pages; reads settings only."""
    try:
        endpoint = _chat_endpoint()
    except ImproperlyConfigured:
        return None, False
    return endpoint.model, endpoint.is_demo


def describe() -> dict:
    """What the health check shows: where chat and embeddings go (never a key)."""
    try:
        endpoint = _chat_endpoint()
        chat_info = {
            "base_url": _public_url(endpoint.base_url),
            "model": endpoint.model,
            "is_demo": endpoint.is_demo,
        }
    except ImproperlyConfigured as exc:
        base_url = settings.LLM_BASE_URL or _embedded_base_url()
        chat_info = {"base_url": _public_url(base_url), "model": None, "is_demo": False, "error": str(exc)}
    try:
        remote = _embedding_endpoint()
        embedding_info = (
            {"embedding_base_url": _public_url(remote.base_url), "embedding_model": remote.model}
            if remote
            else {"embedding_base_url": None, "embedding_model": _local_embedding_model()}
        )
    except ImproperlyConfigured as exc:
        embedding_info = {"embedding_base_url": None, "embedding_model": None, "embedding_error": str(exc)}
    return {**chat_info, **embedding_info}


def _local_embedding_model() -> str:
    from personai import embeddings

    return f"{embeddings.MODEL_NAME} (in-process)"


def check(timeout: float = 2.0) -> bool:
    """True when the chat server answers ``GET /models`` within ``timeout`` seconds (no retries)."""
    try:
        endpoint = _chat_endpoint()
        _client(endpoint).models.list(timeout=timeout)
    except (openai.OpenAIError, ImproperlyConfigured) as exc:
        log.info("LLM health check failed: %s", exc)
        return False
    return True
