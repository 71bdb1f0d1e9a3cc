"""How far a judge agrees with people, each number with a bootstrap 95 % interval over items.

Against the human majority of each item: accuracy, Cohen's κ (agreement beyond what the two label distributions
give by chance; what to quote) and macro-F1 (each class counts the same, so a judge that never says "tie" or
"not met" shows it). Pairwise verdicts are also scored without ties, as MT-Bench reports them. Where items carry
several human labels, the judge is also compared with each label and the people with each other: the
human–human rate is the ceiling a judge can be expected to reach. Judge noise: position consistency (pairs
whose verdict survives swapping the answers), and over ``repeats`` the share of items whose repeated verdicts
all agree and Fleiss' κ across repeats.

The confusion matrices of all resamples are built at once (numpy), so 2,000 resamples of thousands of items
take well under a second. κ and macro-F1 follow scikit-learn's definitions (macro-F1 over the classes present
in either labelling, 0 for a class with no true or predicted members), which the tests check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from medchat.evaluation.stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, generator, resample_counts

if TYPE_CHECKING:
    import numpy as np


class Interval(BaseModel):
    """A statistic over ``n`` items and its percentile bootstrap interval (``None`` where undefined)."""

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0

    def text(self, digits: int = 2) -> str:
        if self.value is None:
            return "–"
        core = f"{self.value:.{digits}f}"
        if self.ci_low is None or self.ci_high is None:
            return core
        return f"{core} [{self.ci_low:.{digits}f}, {self.ci_high:.{digits}f}]"


class Agreement(BaseModel):
    """Judge against people (and people against each other) on one label set."""

    format: str
    items: int  # labelled items
    judged: int  # items the judge gave a verdict for (its first repeat)
    accuracy: Interval
    kappa: Interval
    macro_f1: Interval
    no_majority: int = 0  # items whose human labels were split evenly: left out of the three above
    without_ties: dict[str, Interval] = Field(default_factory=dict)  # pairwise: both sides named a winner
    per_label: Interval | None = None  # judge vs each human label, when items have several
    human_human: Interval | None = None  # each pair of human labels on one item
    position_consistency: Interval | None = None  # pairwise: verdicts that survive the swap
    repeats: int = 1
    self_consistency: Interval | None = None  # items whose repeated verdicts all agree
    fleiss_kappa: Interval | None = None  # across repeats
    categories: dict[str, dict[str, Interval]] = Field(default_factory=dict)


# -- the statistics ---------------------------------------------------------------------------------------
def _percentiles(boot: np.ndarray, confidence: float) -> tuple[float | None, float | None]:
    import numpy as np

    boot = boot[~np.isnan(boot)]
    if len(boot) == 0:
        return None, None
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    return float(low), float(high)


def _confusion_metrics(confusion: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy, κ and macro-F1 of a stack of confusion matrices (``[..., truth, prediction]``)."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        total = confusion.sum(axis=(-2, -1))
        diagonal = np.diagonal(confusion, axis1=-2, axis2=-1)
        rows, cols = confusion.sum(axis=-1), confusion.sum(axis=-2)
        accuracy = diagonal.sum(axis=-1) / total
        expected = (rows * cols).sum(axis=-1) / total**2
        kappa = np.where(np.isclose(expected, 1.0), np.nan, (accuracy - expected) / (1 - expected))
        denominator = rows + cols  # 2·tp + fp + fn
        f1 = np.where(denominator > 0, 2 * diagonal / np.where(denominator > 0, denominator, 1), 0.0)
        present = denominator > 0
        macro = (f1 * present).sum(axis=-1) / present.sum(axis=-1)
    return {"accuracy": accuracy, "kappa": kappa, "macro_f1": macro}


def classification(truth: Sequence[str], predicted: Sequence[str], *, resamples: int = RESAMPLES,
                   confidence: float = CONFIDENCE, seed: int = SEED) -> dict[str, Interval]:
    """Accuracy, Cohen's κ and macro-F1 of ``predicted`` against ``truth``, each with its bootstrap interval."""
    import numpy as np

    n = len(truth)
    if n != len(predicted):
        raise ValueError("truth and predictions differ in length")
    if n == 0:
        return {name: Interval(value=None) for name in ("accuracy", "kappa", "macro_f1")}
    classes = sorted(set(truth) | set(predicted))
    index = {label: i for i, label in enumerate(classes)}
    k = len(classes)
    cells = np.array([index[t] * k + index[p] for t, p in zip(truth, predicted, strict=True)])
    onehot = np.zeros((n, k * k))
    onehot[np.arange(n), cells] = 1.0
    point = _confusion_metrics(onehot.sum(axis=0).reshape(k, k))
    boots: dict[str, list[np.ndarray]] = {name: [] for name in point}
    if n > 1:
        for counts in resample_counts(generator(seed), n, resamples):
            for name, values in _confusion_metrics((counts @ onehot).reshape(-1, k, k)).items():
                boots[name].append(values)
    out = {}
    for name, value in point.items():
        low, high = _percentiles(np.concatenate(boots[name]), confidence) if boots[name] else (None, None)
        number = float(value)
        out[name] = Interval(value=None if np.isnan(number) else number, ci_low=low, ci_high=high, n=n)
    return out


def ratio(agree: Sequence[float], total: Sequence[float], *, resamples: int = RESAMPLES,
          confidence: float = CONFIDENCE, seed: int = SEED) -> Interval:
    """Σ agree / Σ total over items (pairs of labels, say), the interval from resampling items."""
    import numpy as np

    a, t = np.asarray(agree, dtype=np.float64), np.asarray(total, dtype=np.float64)
    keep = t > 0
    a, t = a[keep], t[keep]
    n = len(t)
    if n == 0:
        return Interval(value=None)
    value = float(a.sum() / t.sum())
    if n == 1:
        return Interval(value=value, n=1)
    boot = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for counts in resample_counts(generator(seed), n, resamples):
            boot.append((counts @ a) / (counts @ t))
    low, high = _percentiles(np.concatenate(boot), confidence)
    return Interval(value=value, ci_low=low, ci_high=high, n=n)


def fleiss_kappa(ratings: Sequence[Sequence[str]], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE,
                 seed: int = SEED) -> Interval:
    """Fleiss' κ of items each rated the same number of times (here: one judge's repeated verdicts)."""
    import numpy as np

    rows = [list(r) for r in ratings if len(r) >= 2]
    if not rows or len({len(r) for r in rows}) != 1:
        return Interval(value=None)
    m = len(rows[0])
    classes = sorted({label for r in rows for label in r})
    counts = np.array([[r.count(c) for c in classes] for r in rows], dtype=np.float64)  # items × classes
    agreement = ((counts**2).sum(axis=1) - m) / (m * (m - 1))  # P_i

    def kappa(weights: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            items = weights.sum(axis=-1, keepdims=True)
            p_bar = (weights @ agreement) / items[..., 0]
            shares = (weights @ counts) / (items * m)
            p_e = (shares**2).sum(axis=-1)
            return np.where(np.isclose(p_e, 1.0), np.nan, (p_bar - p_e) / (1 - p_e))

    n = len(rows)
    point = float(kappa(np.ones((1, n)))[0])
    low = high = None
    if n > 1:
        low, high = _percentiles(np.concatenate([kappa(c) for c in resample_counts(generator(seed), n, resamples)]),
                                 confidence)
    return Interval(value=None if np.isnan(point) else point, ci_low=low, ci_high=high, n=n)


def majority(labels: Sequence[str]) -> str | None:
    """The most common label, or ``None`` when the top is shared."""
    ranked = Counter(labels).most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


# -- one report ------------------------------------------------------------------------------------------
def fold_tie(label: str) -> str:
    """``both_bad`` counts as a tie when agreement is scored (the public data says ``tie (bothbad)``)."""
    return "tie" if label == "both_bad" else label


def agreement(format: str, labels: Sequence[Sequence[str]], verdicts: Sequence[Sequence[str | None]], *,
              consistent: Sequence[bool | None] = (), categories: Sequence[str | None] = (),
              resamples: int = RESAMPLES, seed: int = SEED) -> Agreement:
    """The report for items with human ``labels`` and the judge's ``verdicts`` (one per repeat; ``None`` where the
    judge failed). Agreement uses each item's first verdict — what one scoring run would have used; the repeats
    measure noise."""
    fold = fold_tie if format == "pairwise" else (lambda label: label)
    humans = [[fold(label) for label in item] for item in labels]
    firsts = [fold(v[0]) if v and v[0] is not None else None for v in verdicts]
    pairs = [(majority(h), j) for h, j in zip(humans, firsts, strict=True) if j is not None]
    kept = [(m, j) for m, j in pairs if m is not None]
    stats = classification([m for m, _ in kept], [j for _, j in kept], resamples=resamples, seed=seed)
    report = Agreement(format=format, items=len(labels), judged=len(pairs), no_majority=len(pairs) - len(kept),
                       repeats=max((len(v) for v in verdicts), default=1), **stats)
    if format == "pairwise":
        decisive = [(m, j) for m, j in kept if m != "tie" and j != "tie"]
        report.without_ties = classification([m for m, _ in decisive], [j for _, j in decisive],
                                             resamples=resamples, seed=seed)
        flags = [1.0 if c else 0.0 for c in consistent if c is not None]
        if flags:
            report.position_consistency = ratio(flags, [1.0] * len(flags), resamples=resamples, seed=seed)
    if any(len(h) > 1 for h in humans):
        judged = [(h, j) for h, j in zip(humans, firsts, strict=True) if j is not None]
        report.per_label = ratio([sum(label == j for label in h) for h, j in judged], [len(h) for h, _ in judged],
                                 resamples=resamples, seed=seed)
        report.human_human = ratio([_agreeing_pairs(h) for h in humans], [len(h) * (len(h) - 1) / 2 for h in humans],
                                   resamples=resamples, seed=seed)
    repeated = [[fold(x) for x in v] for v in verdicts if len(v) > 1 and None not in v]  # type: ignore[arg-type]
    if repeated:
        same = [1.0 if len(set(v)) == 1 else 0.0 for v in repeated]
        report.self_consistency = ratio(same, [1.0] * len(same), resamples=resamples, seed=seed)
        report.fleiss_kappa = fleiss_kappa(repeated, resamples=resamples, seed=seed)
    by_category: dict[str, list[tuple[str, str]]] = {}
    for category, human, judge in zip(categories, humans, firsts, strict=False):
        if category is not None and judge is not None and (m := majority(human)) is not None:
            by_category.setdefault(category, []).append((m, judge))
    if len(by_category) > 1:
        for category, found in sorted(by_category.items()):
            stats = classification([m for m, _ in found], [j for _, j in found], resamples=resamples, seed=seed)
            report.categories[category] = {"accuracy": stats["accuracy"], "kappa": stats["kappa"]}
    return report


def _agreeing_pairs(labels: Sequence[str]) -> float:
    counts = Counter(labels)
    return float(sum(c * (c - 1) / 2 for c in counts.values()))
