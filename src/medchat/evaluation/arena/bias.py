"""Does the judge prefer longer answers? The win rate of the longer answer over battles whose two lengths are known
and differ, overall and by how much longer it was. 0.5 means length made no difference; judges (human and model)
are known to drift above it, which inflates the ratings of verbose models.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from medchat.evaluation.arena.counts import A_WON, B_WON, BattleTable

# bucket edges on the difference in characters: 1–49, 50–99, ... 2000 and more
EDGES = (1, 50, 100, 200, 500, 1000, 2000)
Z95 = 1.959963984540054


class LengthBucket(BaseModel):
    """Battles where the longer answer was longer by ``low`` to ``high`` characters (``high`` ``None``: or more)."""

    low: int
    high: int | None
    battles: int
    longer_win_rate: float
    ci_low: float
    ci_high: float

    @property
    def label(self) -> str:
        return f"{self.low}+" if self.high is None else f"{self.low}–{self.high - 1}"


class LengthBias(BaseModel):
    """Over battles with both lengths known and different; ties count half for each side."""

    battles: int
    longer_win_rate: float
    ci_low: float
    ci_high: float
    ties: int
    buckets: list[LengthBucket]

    @property
    def verdict(self) -> str:
        if self.ci_low > 0.5:
            return "the judge prefers longer answers"
        if self.ci_high < 0.5:
            return "the judge prefers shorter answers"
        return "no clear length preference"


def wilson(successes: float, n: int) -> tuple[float, float]:
    """Wilson score interval (95 %) for a proportion; ties make ``successes`` a half-integer, which it takes."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def length_bias(table: BattleTable) -> LengthBias | None:
    """``None`` when no battle has both lengths known and different."""
    import numpy as np

    known = ~(np.isnan(table.length_a) | np.isnan(table.length_b)) & (table.length_a != table.length_b)
    if not known.any():
        return None
    a_longer = table.length_a[known] > table.length_b[known]
    outcome = table.outcome[known]
    longer_won = np.where(a_longer, outcome == A_WON, outcome == B_WON)
    shorter_won = np.where(a_longer, outcome == B_WON, outcome == A_WON)
    score = np.where(longer_won, 1.0, np.where(shorter_won, 0.0, 0.5))
    difference = np.abs(table.length_a[known] - table.length_b[known])
    buckets = []
    for k, low in enumerate(EDGES):
        high = EDGES[k + 1] if k + 1 < len(EDGES) else None
        inside = (difference >= low) & (difference < (high if high is not None else np.inf))
        n = int(inside.sum())
        if n:
            won = float(score[inside].sum())
            buckets.append(LengthBucket(low=low, high=high, battles=n, longer_win_rate=won / n,
                                        ci_low=wilson(won, n)[0], ci_high=wilson(won, n)[1]))
    n = len(score)
    low, high = wilson(float(score.sum()), n)
    return LengthBias(battles=n, longer_win_rate=float(score.mean()), ci_low=low, ci_high=high,
                      ties=int((score == 0.5).sum()), buckets=buckets)
