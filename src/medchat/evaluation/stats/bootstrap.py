"""Percentile bootstrap over samples: the mean with its interval, and the resampling blocks the other
statistics (corpus metrics, paired comparisons) share.

Intervals come from a seeded generator, so the same values always give the same interval. Draws are made in
vectorised blocks of at most ``_CHUNK_CELLS`` cells, to bound memory on large runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from medchat.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 0
_CHUNK_CELLS = 2_000_000  # resamples × samples per vectorised block, to bound memory on large runs


class Estimate(BaseModel):
    """A mean with its bootstrap interval; ``ci_low``/``ci_high`` are ``None`` when ``n < 2`` (one value says
    nothing about spread)."""

    n: int
    mean: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    std: float | None = None

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None


def generator(seed: int) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng(seed)


def draw_blocks(rng: np.random.Generator, n: int, resamples: int) -> Iterable[np.ndarray]:
    """Blocks of bootstrap draws: each row is one resample of ``n`` item indices (drawn with replacement)."""
    block = max(1, min(resamples, _CHUNK_CELLS // max(n, 1)))
    done = 0
    while done < resamples:
        rows = min(block, resamples - done)
        yield rng.integers(0, n, size=(rows, n))
        done += rows


def resample_counts(rng: np.random.Generator, n: int, resamples: int) -> Iterable[np.ndarray]:
    """Blocks of bootstrap multiplicities: row ``r`` says how often each of the ``n`` items was drawn."""
    import numpy as np

    for draws in draw_blocks(rng, n, resamples):
        rows = len(draws)
        flat = (draws + n * np.arange(rows)[:, None]).ravel()
        yield np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(np.float64)


def bootstrap_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """The means of ``resamples`` bootstrap resamples of ``values``."""
    return concat([values[draws].mean(axis=1) for draws in draw_blocks(generator(seed), len(values), resamples)])


def concat(parts: list[np.ndarray]) -> np.ndarray:
    import numpy as np

    return np.concatenate(parts) if parts else np.empty(0)


def check_settings(resamples: int, confidence: float) -> None:
    if resamples < 1:
        raise ConfigError(f"resamples must be at least 1, not {resamples}", hint="the usual value is 2000")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must be between 0 and 1, not {confidence}", hint="e.g. 0.95")


def bootstrap_mean(
    values: Sequence[float], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = SEED
) -> Estimate:
    """The mean of ``values`` with a percentile bootstrap interval (``None`` bounds for fewer than 2 values)."""
    import numpy as np

    check_settings(resamples, confidence)
    data = np.asarray(values, dtype=np.float64)
    n = len(data)
    if n == 0:
        return Estimate(n=0, mean=None)
    mean = float(data.mean())
    if n == 1:
        return Estimate(n=1, mean=mean)
    boot = bootstrap_means(data, resamples, seed)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    return Estimate(n=n, mean=mean, ci_low=float(low), ci_high=float(high),
                    std=float(data.std(ddof=1)))
