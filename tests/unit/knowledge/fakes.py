"""A tiny deterministic embedder for knowledge-base tests: hashed bag of words, no model, no download."""

from __future__ import annotations

import re
import zlib

import numpy as np

_WORDS = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]")


class HashingEmbedder:
    """Implements ``medchat.knowledge.embeddings.Embedder``; counts the passages it embeds.

    ``fail_on_call=n`` makes the n-th ``embed_passages`` call (1-based) raise, to interrupt an ingest.
    """

    name = "test-hashing"
    dim = 64

    def __init__(self, *, fail_on_call: int | None = None) -> None:
        self.texts: list[str] = []  # every passage text embedded, in order
        self.calls = 0
        self.fail_on_call = fail_on_call

    @property
    def embedded(self) -> int:
        return len(self.texts)

    def vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in _WORDS.findall(text.lower()):
            v[zlib.crc32(word.encode()) % self.dim] += 1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.fail_on_call is not None and self.calls >= self.fail_on_call:
            raise RuntimeError("embedding service went away")
        self.texts.extend(texts)
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vector(t) for t in texts])
