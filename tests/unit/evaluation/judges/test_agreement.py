"""Agreement statistics: κ and macro-F1 exactly as scikit-learn computes them, with bootstrap intervals."""

import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from medchat.evaluation.judges.agreement import agreement, classification, fleiss_kappa, majority, ratio

# Pairwise verdicts, people vs judge: some agreement, some ties, one class only the judge uses.
HUMAN = ["a", "a", "b", "tie", "b", "a", "tie", "b", "a", "b", "a", "tie"]
JUDGE = ["a", "b", "b", "tie", "a", "a", "a", "b", "a", "b", "tie", "both_bad"]
BINARY_T = [True, True, False, True, False, False, True, True, False, True]
BINARY_P = [True, False, False, True, True, False, True, True, False, True]


@pytest.mark.parametrize(("truth", "predicted"), [(HUMAN, JUDGE), (BINARY_T, BINARY_P),
                                                   (["a", "a", "b"], ["a", "a", "a"])])
def test_kappa_macro_f1_and_accuracy_match_scikit_learn(truth, predicted):
    truth, predicted = [str(x) for x in truth], [str(x) for x in predicted]
    stats = classification(truth, predicted, resamples=300)
    assert stats["kappa"].value == pytest.approx(cohen_kappa_score(truth, predicted))
    assert stats["macro_f1"].value == pytest.approx(f1_score(truth, predicted, average="macro"))
    assert stats["accuracy"].value == pytest.approx(accuracy_score(truth, predicted))
    for interval in stats.values():
        assert interval.ci_low <= interval.value <= interval.ci_high
        assert interval.n == len(truth)


def test_intervals_are_reproducible_and_narrow_with_more_items():
    small = classification(HUMAN, JUDGE, resamples=500)["kappa"]
    assert classification(HUMAN, JUDGE, resamples=500)["kappa"] == small
    large = classification(HUMAN * 20, JUDGE * 20, resamples=500)["kappa"]
    assert large.value == pytest.approx(small.value)
    assert large.ci_high - large.ci_low < small.ci_high - small.ci_low


def test_kappa_is_undefined_when_both_sides_use_one_class():
    stats = classification(["a", "a"], ["a", "a"], resamples=50)
    assert stats["kappa"].value is None and stats["accuracy"].value == 1.0


def test_fleiss_kappa_worked_example():
    # P̄ = (1/3 + 1 + 1 + 1/3) / 4 = 2/3; p_a = p_b = 1/2, so P_e = 1/2 and κ = (2/3 − 1/2) / (1/2) = 1/3
    found = fleiss_kappa([["a", "a", "b"], ["a", "a", "a"], ["b", "b", "b"], ["a", "b", "b"]], resamples=100)
    assert found.value == pytest.approx(1 / 3) and found.n == 4
    assert fleiss_kappa([["a", "a"], ["a", "a"]]).value is None  # one class only


def test_majority_and_ratio():
    assert majority(["a", "a", "tie"]) == "a" and majority(["a", "b"]) is None
    found = ratio([1, 0, 3], [1, 1, 3], resamples=100)
    assert found.value == pytest.approx(4 / 5) and found.n == 3


def test_pairwise_report_with_and_without_ties_and_position_consistency():
    report = agreement("pairwise", [[h] for h in HUMAN], [[j] for j in JUDGE],
                       consistent=[True] * 9 + [False] * 3, resamples=200)
    folded = ["tie" if j == "both_bad" else j for j in JUDGE]
    assert report.kappa.value == pytest.approx(cohen_kappa_score(HUMAN, folded))
    decisive = [(h, j) for h, j in zip(HUMAN, folded, strict=True) if h != "tie" and j != "tie"]
    assert report.without_ties["accuracy"].value == pytest.approx(sum(h == j for h, j in decisive) / len(decisive))
    assert report.without_ties["accuracy"].n == len(decisive)
    assert report.position_consistency.value == pytest.approx(0.75)
    assert report.per_label is None and report.self_consistency is None


def test_several_human_labels_give_majority_per_label_and_human_baseline():
    labels = [["true", "true"], ["false", "false", "true"], ["true", "false"], ["false", "false"]]
    verdicts = [["true"], ["false"], ["true"], ["true"]]
    report = agreement("rubric", labels, verdicts, resamples=200)
    assert report.no_majority == 1 and report.accuracy.n == 3  # the 1-1 split has no majority
    assert report.accuracy.value == pytest.approx(2 / 3)
    assert report.per_label.value == pytest.approx((2 + 2 + 1 + 0) / 9)
    assert report.human_human.value == pytest.approx((1 + 1 + 0 + 1) / (1 + 3 + 1 + 1))


def test_repeats_give_self_consistency_and_fleiss_kappa_and_failures_are_left_out():
    labels = [["a"], ["b"], ["a"], ["b"]]
    verdicts = [["a", "a", "a"], ["b", "a", "b"], ["a", "a", "a"], [None, "b", "b"]]
    report = agreement("pairwise", labels, verdicts, resamples=100)
    assert report.judged == 3 and report.repeats == 3
    assert report.self_consistency.value == pytest.approx(2 / 3)  # the failed item is left out
    assert report.fleiss_kappa.value == pytest.approx(fleiss_kappa([["a"] * 3, ["b", "a", "b"], ["a"] * 3]).value)


def test_categories_are_reported_when_there_are_several():
    report = agreement("facts", [["true"], ["false"], ["true"], ["false"]], [["true"], ["true"], ["true"], ["false"]],
                       categories=["x", "x", "y", "y"], resamples=50)
    assert report.categories["x"]["accuracy"].value == 0.5 and report.categories["y"]["accuracy"].value == 1.0
