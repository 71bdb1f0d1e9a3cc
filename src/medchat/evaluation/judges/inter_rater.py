"""Agreement among several judges on the same items: Krippendorff's α, with a bootstrap 95 % interval over items.

α = 1 − D_o / D_e: the disagreement observed within items over the disagreement expected from all values pooled
(Krippendorff, *Computing Krippendorff's alpha-reliability*, 2011). It takes any number of judges, lets a judge miss
an item (one that failed on it: only items with two values or more are pairable), and has a metric per kind of
value — ``interval`` (squared difference) for scores, ``nominal`` (same or not) for verdicts. 1 is perfect agreement,
0 what chance gives, below 0 systematic disagreement. Fleiss' κ, for complete categorical data, is
``agreement.fleiss_kappa``.

Both parts are sums over items (per-item counts, sums and sums of squares), so every bootstrap resample of items is
one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from medchat.evaluation.judges.agreement import Interval, _percentiles
from medchat.evaluation.stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, generator, resample_counts

if TYPE_CHECKING:
    import numpy as np

Level = Literal["interval", "nominal"]
Value = float | str | bool | None


def krippendorff_alpha(units: Sequence[Sequence[Value]], level: Level = "interval", *, resamples: int = RESAMPLES,
                       confidence: float = CONFIDENCE, seed: int = SEED) -> Interval:
    """α of ``units`` (one row per item: each judge's value, ``None`` where it gave none). ``n`` counts the pairable
    items; ``value`` is ``None`` when α is undefined (fewer than two pairable items' worth of values, or every value
    the same)."""
    import numpy as np

    rows = [[v for v in unit if v is not None] for unit in units]
    rows = [r for r in rows if len(r) >= 2]
    if not rows:
        return Interval(value=None)
    m = np.array([len(r) for r in rows], dtype=np.float64)
    if level == "interval":
        values = [np.asarray([float(v) for v in r]) for r in rows]
        s1 = np.array([v.sum() for v in values])
        s2 = np.array([(v**2).sum() for v in values])
        within = np.array([2 * (len(v) * (v**2).sum() - v.sum() ** 2) for v in values]) / (m - 1)

        def alpha(weights: np.ndarray) -> np.ndarray:
            n, total, squares = weights @ m, weights @ s1, weights @ s2
            expected = 2 * (n * squares - total**2) / (n * (n - 1))
            return _ratio(weights @ within / n, expected)
    else:
        classes = sorted({str(v) for r in rows for v in r})
        counts = np.array([[sum(str(v) == c for v in r) for c in classes] for r in rows], dtype=np.float64)
        within = (m**2 - (counts**2).sum(axis=1)) / (m - 1)

        def alpha(weights: np.ndarray) -> np.ndarray:
            n, pooled = weights @ m, weights @ counts
            expected = (n**2 - (pooled**2).sum(axis=-1)) / (n * (n - 1))
            return _ratio(weights @ within / n, expected)

    n_units = len(rows)
    point = float(alpha(np.ones((1, n_units)))[0])
    low = high = None
    if n_units > 1:
        boot = np.concatenate([alpha(c) for c in resample_counts(generator(seed), n_units, resamples)])
        low, high = _percentiles(boot, confidence)
    return Interval(value=None if np.isnan(point) else point, ci_low=low, ci_high=high, n=n_units)


def _ratio(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """1 − D_o / D_e, undefined (NaN) where nothing varies (D_e = 0)."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(expected, 0.0), np.nan, 1 - observed / expected)
