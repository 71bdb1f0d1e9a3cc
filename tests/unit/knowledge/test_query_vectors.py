"""``KnowledgeBase.embed_query`` keeps recent query vectors; ``prefetch`` embeds a question ahead of its search."""

import threading

import numpy as np
import pytest

from medchat.knowledge import base
from medchat.knowledge.base import KnowledgeBase
from medchat.knowledge.chunking import Passage
from tests.unit.knowledge.fakes import HashingEmbedder


class CountingEmbedder(HashingEmbedder):
    def __init__(self, gate: threading.Event | None = None, fail: bool = False) -> None:
        super().__init__()
        self.queries: list[str] = []
        self.gate, self.fail = gate, fail
        self.entered = threading.Event()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.queries.extend(texts)
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(30)
        if self.fail:
            raise RuntimeError("embedding service went away")
        return super().embed_queries(texts)


def kb(embedder: HashingEmbedder) -> KnowledgeBase:
    texts = ["A sore throat usually gets better on its own within a week.",
             "Drink fluids and rest when you have a fever."]
    passages = [Passage(id=f"p{i}", doc_id=f"d{i}", text=t, start=0, end=len(t), language="en", title="Care",
                        source="x") for i, t in enumerate(texts)]
    return KnowledgeBase("tiny", passages, vectors=embedder.embed_passages(texts), embedder=embedder)


def test_a_query_asked_again_is_embedded_once_and_its_vector_cannot_be_changed():
    embedder = CountingEmbedder()
    k = kb(embedder)
    first = k.embed_query("fever")
    again = k.embed_query("fever")
    k.embed_query("sore throat")
    assert embedder.queries == ["fever", "sore throat"]
    assert again is first
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 1.0  # shared by every caller: read-only


def test_only_the_most_recent_queries_are_kept(monkeypatch):
    monkeypatch.setattr(base, "QUERY_VECTORS", 2)
    embedder = CountingEmbedder()
    k = kb(embedder)
    for query in ("a", "b", "a", "c", "a", "b"):  # "a" used again stays; "b" was evicted by "c"
        k.embed_query(query)
    assert embedder.queries == ["a", "b", "c", "b"]


def test_a_caller_waits_for_the_same_query_being_embedded_instead_of_embedding_it_again():
    gate = threading.Event()
    embedder = CountingEmbedder(gate)
    k = kb(embedder)
    k.prefetch("fever")  # embeds on a thread of its own, held at the gate
    assert embedder.entered.wait(30)
    got: list[np.ndarray | None] = []
    waiter = threading.Thread(target=lambda: got.append(k.embed_query("fever")))
    waiter.start()
    gate.set()
    waiter.join(30)
    assert embedder.queries == ["fever"]
    assert got and np.allclose(got[0], embedder.vector("fever"))
    assert [r.passage.id for r in k.search("fever", mode="dense", k=1)] == ["p1"]
    assert embedder.queries == ["fever"]


def test_a_failed_embedding_is_not_kept_and_the_next_caller_tries_again():
    embedder = CountingEmbedder(fail=True)
    k = kb(embedder)
    with pytest.raises(RuntimeError):
        k.embed_query("fever")
    embedder.fail = False
    assert np.allclose(k.embed_query("fever"), embedder.vector("fever"))
    assert embedder.queries == ["fever", "fever"]


def test_prefetching_an_empty_question_does_nothing():
    embedder = CountingEmbedder()
    kb(embedder).prefetch("   ")
    assert embedder.queries == []
