"""Bradley–Terry ratings by maximum likelihood on pair counts, FastChat's convention: ``P(i beats j) =
1 / (1 + 10^((r_j − r_i) / 400))``, a tie counted as half a win for each side.

The fit is Newton's method on the log-likelihood (its Hessian is the M × M weighted Laplacian of the comparison
graph, cheap for hundreds of models), with step halving, from zero or a warm start; it converges to the same
optimum as FastChat's ``LogisticRegression`` on one row per battle, to far below a hundredth of a point.

The maximum-likelihood ratings are finite only when the graph of "won (or tied) against" is strongly connected
(Ford's condition): a model that won every battle, or two groups of models that never met, have none. Then every
model is given one virtual tie against a 1000-rated reference (``prior``), a weak pull that keeps the ratings
finite, and the leaderboard says so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from medchat.evaluation.arena.counts import PairCounts

if TYPE_CHECKING:
    import numpy as np

BASE = 10.0
SCALE = 400.0
INIT_RATING = 1000.0
ALPHA = math.log(BASE) / SCALE  # natural-log odds per rating point
PRIOR_TIES = 1.0  # virtual ties per model against the 1000-rated reference, when the MLE does not exist
_TOL = 1e-11  # Newton stops when no rating moves by more than this (in log-odds units; ~4e-9 points)


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return -np.logaddexp(0.0, -x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.exp(_log_sigmoid(x))


def log_likelihood(theta: np.ndarray, counts: PairCounts, prior: float = 0.0) -> float:
    """Ties as half wins; ``prior`` virtual ties per model against a reference at 0."""
    d = theta[counts.i] - theta[counts.j]
    win_i, win_j = counts.wins_i + counts.ties / 2, counts.wins_j + counts.ties / 2
    value = float((win_i * _log_sigmoid(d) + win_j * _log_sigmoid(-d)).sum())
    if prior:
        value += prior * float((_log_sigmoid(theta) + _log_sigmoid(-theta)).sum()) / 2
    return value


def fit(counts: PairCounts, *, prior: float = 0.0, start: np.ndarray | None = None, max_iter: int = 200
        ) -> np.ndarray:
    """Log-odds strengths ``theta`` (rating = ``theta / ALPHA`` + a constant), summing to zero without a prior.

    Without ``prior`` the caller must have checked ``mle_exists``; otherwise the strengths drift off to infinity.
    """
    import numpy as np

    m = len(counts.models)
    i, j = counts.i, counts.j
    n = counts.battles
    win_i = counts.wins_i + counts.ties / 2
    theta = np.zeros(m) if start is None else np.asarray(start, dtype=np.float64).copy()
    if not prior:
        theta -= theta.mean()
    current = log_likelihood(theta, counts, prior)
    for _ in range(max_iter):
        p = _sigmoid(theta[i] - theta[j])
        g_pair = win_i - n * p
        grad = np.bincount(i, g_pair, m) - np.bincount(j, g_pair, m)
        w = n * p * (1 - p)
        hessian = np.zeros((m, m))
        hessian[i, j] = -w  # pairs are unique
        hessian[j, i] = -w
        hessian[np.diag_indices(m)] = np.bincount(i, w, m) + np.bincount(j, w, m)
        if prior:
            q = _sigmoid(theta)
            grad += prior * (0.5 - q)
            hessian[np.diag_indices(m)] += prior * q * (1 - q)
        else:
            hessian += 1.0 / m  # fixes the free shift: the step stays in the sum-zero subspace
        step = np.linalg.solve(hessian, grad)
        for _ in range(60):  # halve the step until the likelihood does not fall
            proposal = theta + step
            value = log_likelihood(proposal, counts, prior)
            if value >= current - 1e-12 * max(1.0, abs(current)):
                break
            step /= 2
        theta, current = proposal, value
        if float(np.abs(step).max(initial=0.0)) < _TOL:
            break
    return theta


def mle_exists(counts: PairCounts) -> bool:
    """Ford's condition: every model reaches every other along "won or tied against" edges."""
    import numpy as np

    m = len(counts.models)
    if m < 2:
        return m == 1
    beat_i = counts.wins_i + counts.ties > 0  # i won or tied: an edge i -> j
    beat_j = counts.wins_j + counts.ties > 0
    src = np.concatenate([counts.i[beat_i], counts.j[beat_j]])
    dst = np.concatenate([counts.j[beat_i], counts.i[beat_j]])
    return _reaches_all(src, dst, m) and _reaches_all(dst, src, m)


def _reaches_all(src: np.ndarray, dst: np.ndarray, m: int) -> bool:
    import numpy as np

    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    starts = np.searchsorted(src, np.arange(m + 1))
    seen = np.zeros(m, dtype=bool)
    seen[0] = True
    frontier = [0]
    while frontier:
        node = frontier.pop()
        for nxt in dst[starts[node]:starts[node + 1]].tolist():
            if not seen[nxt]:
                seen[nxt] = True
                frontier.append(nxt)
    return bool(seen.all())


def groups(counts: PairCounts) -> list[list[str]]:
    """Models grouped by who met whom (connected components of the comparison graph), largest first."""
    m = len(counts.models)
    parent = list(range(m))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(counts.i.tolist(), counts.j.tolist(), strict=True):
        parent[root(a)] = root(b)
    found: dict[int, list[str]] = {}
    for k, name in enumerate(counts.models):
        found.setdefault(root(k), []).append(name)
    return sorted(found.values(), key=lambda g: (-len(g), g))


def unbeaten_and_winless(counts: PairCounts) -> tuple[list[str], list[str]]:
    """Models that never lost (nor tied) and models that never won (nor tied): their MLE is ±infinity."""
    import numpy as np

    m = len(counts.models)
    lost = np.bincount(counts.i, counts.wins_j + counts.ties, m) + np.bincount(counts.j, counts.wins_i + counts.ties, m)
    won = np.bincount(counts.i, counts.wins_i + counts.ties, m) + np.bincount(counts.j, counts.wins_j + counts.ties, m)
    return ([counts.models[k] for k in np.flatnonzero(lost == 0)],
            [counts.models[k] for k in np.flatnonzero(won == 0)])


def to_ratings(theta: np.ndarray, models: list[str], anchor: dict[str, float] | None = None) -> np.ndarray:
    """Rating points: mean 1000 (what FastChat's unanchored fit gives: its solver starts at zero and stays in the
    sum-zero subspace), or shifted so the anchor model has its given rating."""
    ratings = theta / ALPHA
    if anchor:
        (model, value), = anchor.items()
        return ratings + (value - ratings[models.index(model)])
    return ratings - ratings.mean() + INIT_RATING
