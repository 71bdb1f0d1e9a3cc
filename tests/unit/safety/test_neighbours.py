"""``safety.neighbours``: nearness to harmful against benign training messages, the harm classifier's feature."""

import numpy as np
import pytest

from medchat.safety.classifier import load_classifier
from medchat.safety.neighbours import SCALE, dequantise, load_neighbours, nearness, quantise


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_int8_rows_keep_similarities_to_a_hundredth():
    rows = _unit(np.random.default_rng(0).normal(size=(200, 384)))
    back = dequantise(*quantise(rows))
    assert np.abs(back @ rows.T - rows @ rows.T).max() < 0.01


def test_a_query_near_the_harmful_family_scores_positive_and_near_the_benign_one_negative():
    rng = np.random.default_rng(1)
    harmful_centre, benign_centre = _unit(rng.normal(size=(2, 384)))
    memory = _unit(np.vstack([harmful_centre + 0.3 * rng.normal(size=(20, 384)) / 20,
                              benign_centre + 0.3 * rng.normal(size=(20, 384)) / 20]))
    harmful = np.array([True] * 20 + [False] * 20)
    scores = nearness(np.vstack([harmful_centre, benign_centre]), memory, harmful, k=5)
    assert scores[0] > 0 > scores[1]
    assert abs(scores[0]) <= 2 * SCALE


def test_training_rows_do_not_count_themselves():
    rows = _unit(np.eye(6, 384) + 0.01)
    harmful = np.array([True, False, True, False, True, False])
    with_self = nearness(rows, rows, harmful, k=1)
    left_out = nearness(rows, rows, harmful, k=1, exclude_self=True)
    # with itself in memory a harmful row's best harmful match is itself (similarity 1)
    assert with_self[0] > left_out[0]
    assert np.all(left_out == pytest.approx(left_out[0], abs=1e-5))


def test_the_shipped_memory_matches_the_classifier_that_weighs_it():
    memory = load_neighbours("harm")
    classifier = load_classifier("harm")
    if "neighbours" not in classifier.feature_weights:
        assert memory is None  # a classifier trained without the feature ships no memory
        return
    assert memory is not None and memory.vectors.shape[1] == classifier.weights.shape[0]
    assert memory.harmful.any() and (~memory.harmful).any()
    assert classifier.feature_weights["neighbours"] > 0  # nearer harmful requests: more likely harmful
