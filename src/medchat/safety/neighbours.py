"""The nearest training messages as evidence: how much closer a message sits to known harmful requests than to
ordinary ones.

A linear classifier draws one boundary through the embedding space; harmful requests come in small tight families
("a sick note from a hospital", 代开诊断证明, "which sites sell oxycodone") that one boundary cuts through. The mean
cosine similarity of a message to its ``k`` nearest harmful training messages, less that to its ``k`` nearest benign
ones, tells the classifier which family it is near (one more feature beside the embedding, the n-grams and the
rules; its weight is learned with theirs). What it gave on holdouts the classifier never trained on is in
docs/benchmarks.md ("neighbours").

The training messages' embeddings ship as int8 with a scale per row (``safety/data/<check>_neighbours.npz``,
written by ``scripts/train_safety_classifier.py``), read once per process; one score is an (n × 384) matrix-vector
product. Training and run time score with the same function on the same quantised vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

SCALE = 10.0  # the feature's units: differences of mean cosine similarity are a few hundredths


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and each row's scale (``row ≈ int8 * scale``)."""
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-12).astype(np.float32) / 127.0
    return np.round(vectors / scale[:, None]).astype(np.int8), scale


def dequantise(rows: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return rows.astype(np.float32) * scale[:, None]


def nearness(queries: np.ndarray, memory: np.ndarray, harmful: np.ndarray, k: int,
             exclude_self: bool = False) -> np.ndarray:
    """For each query row: SCALE × (mean of its ``k`` highest similarities to harmful memory rows − the same for
    benign rows). ``exclude_self``: the queries are the memory itself (training), so a row does not count itself."""
    out = np.empty(len(queries), dtype=np.float32)
    for lo in range(0, len(queries), 1024):  # bounded memory: 1024 × n similarities at a time
        sims = queries[lo:lo + 1024] @ memory.T
        if exclude_self:
            sims[np.arange(len(sims)), np.arange(lo, lo + len(sims))] = -np.inf
        means = []
        for label in (True, False):
            part = sims[:, harmful == label]
            top = np.partition(part, part.shape[1] - k, axis=1)[:, -k:]
            means.append(top.mean(axis=1))
        out[lo:lo + 1024] = SCALE * (means[0] - means[1])
    return out


@dataclass(frozen=True)
class NeighbourMemory:
    """Training messages' embeddings and which were harmful; ``score`` is the classifier's ``neighbours`` feature."""

    vectors: np.ndarray  # float32, dequantised
    harmful: np.ndarray  # bool
    k: int

    def score(self, vector: np.ndarray) -> float:
        return float(nearness(np.asarray(vector, dtype=np.float32)[None, :], self.vectors, self.harmful, self.k)[0])


@cache
def load_neighbours(check: str) -> NeighbourMemory | None:
    """The memory shipped for ``check``, or None where it has none."""
    path = resources.files("medchat.safety") / "data" / f"{check}_neighbours.npz"
    if not path.is_file():
        return None
    with path.open("rb") as handle, np.load(handle) as data:
        return NeighbourMemory(dequantise(data["rows"], data["scale"]), data["harmful"].astype(bool),
                               int(data["k"]))
