"""Embedding throughput (in-process MiniLM) and, if a chat server answers, its tokens/s.

Run on demand: ``python -m bench bench_llm``. Kept short for a shared 2-core machine.
"""

from __future__ import annotations

import time

SENTENCES = 256


def _bench_embeddings() -> None:
    from personai import embeddings

    began = time.monotonic()
    embeddings.encode(["warm-up"])
    load = time.monotonic() - began
    texts = [
        f"Respondent {i} says they prefer {'quiet evenings with a book' if i % 2 else 'big parties'} "
        f"and plan their week {'carefully' if i % 3 else 'loosely'}."
        for i in range(SENTENCES)
    ]
    began = time.monotonic()
    _, tokens = embeddings.encode(texts)
    seconds = time.monotonic() - began
    print(
        f"embeddings ({embeddings.MODEL_NAME}, in-process): model load {load:.2f}s; "
        f"{SENTENCES} sentences in {seconds:.2f}s = {SENTENCES / seconds:.0f} sentences/s "
        f"({tokens / seconds:.0f} tokens/s)"
    )


def _bench_chat() -> None:
    from personai import llm

    info = llm.describe()
    if info.get("error"):
        print(f"chat: {info['error']}")
        return
    if not llm.check(timeout=2.0):
        print(f"chat: no server answers at {info['base_url']}; start one (make run) to measure tokens/s")
        return
    messages = [{"role": "user", "content": "Describe a calm, organised person in three sentences."}]
    llm.chat(messages, max_tokens=4, temperature=0)  # warm-up
    began = time.monotonic()
    first = None
    final = None
    for chunk in llm.stream_chat(messages, max_tokens=96, temperature=0):
        if first is None and chunk.text:
            first = time.monotonic() - began
        final = chunk
    seconds = time.monotonic() - began
    tokens = final.completion_tokens if final else None
    if not tokens:
        print(f"chat ({info['model']}): the server reported no token usage ({seconds:.2f}s)")
        return
    generating = seconds - (first or 0.0)
    print(
        f"chat ({info['model']} at {info['base_url']}): {tokens} tokens in {seconds:.2f}s, "
        f"first token after {first or 0.0:.2f}s, "
        f"{tokens / max(generating, 1e-6):.0f} tokens/s while generating"
    )


def main() -> None:
    _bench_embeddings()
    _bench_chat()


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "personai.settings")
    django.setup()
    main()
