"""Agreement among judges: Krippendorff's α and Fleiss' κ against the textbook formulas, computed here by hand."""

from itertools import permutations

import pytest

from medchat.evaluation.judges.agreement import fleiss_kappa
from medchat.evaluation.judges.inter_rater import krippendorff_alpha

N = None
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers, 12 units, missing data.
OBSERVERS = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
             [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
             [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
             [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]
UNITS = [list(unit) for unit in zip(*OBSERVERS, strict=True)]


def alpha_by_hand(units, delta):
    """α = 1 − D_o/D_e from the coincidence formulation, with explicit loops over ordered pairs of values."""
    pairable = [[v for v in u if v is not None] for u in units]
    pairable = [u for u in pairable if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    observed = sum(sum(delta(a, b) for a, b in permutations(u, 2)) / (len(u) - 1) for u in pairable) / n
    pooled = [v for u in pairable for v in u]
    expected = sum(delta(a, b) for a, b in permutations(pooled, 2)) / (n * (n - 1))
    return 1 - observed / expected


def nominal(a, b):
    return float(a != b)


def interval(a, b):
    return float(a - b) ** 2


def test_alpha_matches_the_published_example_and_the_formula_by_hand():
    found = krippendorff_alpha(UNITS, "nominal", resamples=200)
    assert found.value == pytest.approx(alpha_by_hand(UNITS, nominal))
    assert round(found.value, 3) == 0.743  # as published
    assert found.n == 11  # unit 12 has one value: not pairable
    found = krippendorff_alpha(UNITS, "interval", resamples=200)
    assert found.value == pytest.approx(alpha_by_hand(UNITS, interval))
    assert round(found.value, 3) == 0.849
    assert found.ci_low <= found.value <= found.ci_high


def test_alpha_on_scores_with_a_failed_judge_matches_the_formula():
    scores = [[0.8, 0.6, 0.7], [0.2, 0.4, None], [1.0, 0.9, 1.0], [0.5, None, None], [0.3, 0.1, 0.3], [0.6, 0.7, 0.4]]
    found = krippendorff_alpha(scores, "interval", resamples=100)
    assert found.value == pytest.approx(alpha_by_hand(scores, interval))
    assert found.n == 5


def test_perfect_agreement_is_one_and_systematic_disagreement_is_negative():
    assert krippendorff_alpha([[1, 1], [0, 0], [0.5, 0.5]], resamples=50).value == pytest.approx(1.0)
    assert krippendorff_alpha([["a", "a", "a"], ["b", "b", "b"]], "nominal", resamples=50).value == pytest.approx(1.0)
    opposed = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]  # a lenient and a strict judge, always apart
    found = krippendorff_alpha(opposed, resamples=50)
    assert found.value == pytest.approx(alpha_by_hand(opposed, interval)) and found.value < 0
    assert krippendorff_alpha([["a", "b"], ["b", "a"], ["a", "b"]], "nominal", resamples=50).value < 0


def test_alpha_is_undefined_without_variation_or_pairable_units():
    assert krippendorff_alpha([[1, 1], [1, 1]], resamples=10).value is None
    assert krippendorff_alpha([[1, None], [None, 2]], resamples=10).value is None


# Fleiss (1971) as Wikipedia works it: 10 subjects, 14 raters, 5 categories; κ = 0.210.
FLEISS_COUNTS = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                 [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def fleiss_by_hand(counts):
    n_items, raters = len(counts), sum(counts[0])
    p_j = [sum(row[j] for row in counts) / (n_items * raters) for j in range(len(counts[0]))]
    p_i = [(sum(c * c for c in row) - raters) / (raters * (raters - 1)) for row in counts]
    p_bar, p_e = sum(p_i) / n_items, sum(p * p for p in p_j)
    return (p_bar - p_e) / (1 - p_e)


def test_fleiss_kappa_matches_the_worked_example():
    ratings = [[str(c) for c, k in enumerate(row) for _ in range(k)] for row in FLEISS_COUNTS]
    found = fleiss_kappa(ratings, resamples=200)
    assert found.value == pytest.approx(fleiss_by_hand(FLEISS_COUNTS))
    assert round(found.value, 3) == 0.210
    assert found.ci_low <= found.value <= found.ci_high


def test_fleiss_kappa_of_three_judges_perfect_and_opposed():
    assert fleiss_kappa([["a", "a", "a"], ["b", "b", "b"], ["tie", "tie", "tie"]], resamples=20).value == 1.0
    assert fleiss_kappa([["a", "b"], ["b", "a"], ["a", "b"], ["b", "a"]], resamples=20).value == pytest.approx(-1.0)
