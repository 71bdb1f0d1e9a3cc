"""Lexical retrieval: BM25 (via ``bm25s``) over passages tokenized by ``tokenize``."""

from __future__ import annotations

import numpy as np

from medchat.knowledge.tokenize import DEFAULT_CHINESE, ChineseMode, tokenize


def corpus_tokens(texts: list[str], chinese: ChineseMode = DEFAULT_CHINESE) -> list[list[str]]:
    """Each text's BM25 words (what ``BM25Index`` indexes; ``tokens=`` takes them ready-made)."""
    return [tokenize(t, chinese) or ["\u2205"] for t in texts]  # bm25s needs a token per document


class BM25Index:
    def __init__(self, texts: list[str], chinese: ChineseMode = DEFAULT_CHINESE, *,
                 tokens: list[list[str]] | None = None) -> None:
        """``tokens``: ``corpus_tokens(texts, chinese)`` computed before (the bundled pages' are cached on disk)."""
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG to stderr
        self.chinese = chinese
        self.size = len(texts)
        corpus = corpus_tokens(texts, chinese) if tokens is None else tokens
        if len(corpus) != self.size:
            raise ValueError(f"{len(corpus)} token lists for {self.size} texts")
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """A BM25 score per passage (0 where no query word occurs)."""
        tokens = [t for t in tokenize(query, self.chinese) if t in self._bm25.vocab_dict]
        if not tokens or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
