"""Online Elo, as FastChat's ``compute_online_elo``: every model starts at 1000 and each battle, in order, moves
both ratings by ``K · (score − expected)`` (K = 4, base 10, scale 400; a tie scores 0.5).

Kept for comparison with the Bradley–Terry fit: online Elo depends on the order of the battles and weights recent
ones more, which suits players whose strength changes, not fixed models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from medchat.evaluation.arena.bt import BASE, INIT_RATING, SCALE

if TYPE_CHECKING:
    import numpy as np

K = 4.0
_CHUNK_CELLS = 4_000_000  # battles × rounds held at once when bootstrap rounds run side by side
_SIDE_BY_SIDE = 8  # fewer rounds than this per block: one plain pass per round is faster


def online_elo(a: np.ndarray, b: np.ndarray, score_a: np.ndarray, models: int, *, k: float = K) -> np.ndarray:
    """Ratings after one pass over the battles in the given order (``score_a``: 1, 0 or 0.5)."""
    import numpy as np

    rating = [INIT_RATING] * models
    for ia, ib, sa in zip(a.tolist(), b.tolist(), score_a.tolist(), strict=True):
        ra, rb = rating[ia], rating[ib]
        ea = 1 / (1 + BASE ** ((rb - ra) / SCALE))
        rating[ia] = ra + k * (sa - ea)
        rating[ib] = rb + k * (ea - sa)  # (1 − sa) − (1 − ea): what one side gains the other loses
    return np.asarray(rating)


def online_elo_rounds(a: np.ndarray, b: np.ndarray, score_a: np.ndarray, models: int, *, k: float = K
                      ) -> np.ndarray:
    """Several passes at once, one per row of ``a``/``b``/``score_a`` (rounds × battles): each step updates every
    round's ratings in one vectorised operation, so a bootstrap costs about one pass, not one per round."""
    import numpy as np

    rounds, steps = a.shape
    rating = np.full((rounds, models), INIT_RATING)
    rows = np.arange(rounds)
    for t in range(steps):
        ia, ib = a[:, t], b[:, t]
        ra, rb = rating[rows, ia], rating[rows, ib]
        delta = k * (score_a[:, t] - 1 / (1 + BASE ** ((rb - ra) / SCALE)))
        rating[rows, ia] = ra + delta
        rating[rows, ib] = rb - delta
    return rating


def bootstrap_elo(a: np.ndarray, b: np.ndarray, score_a: np.ndarray, models: int, rng: np.random.Generator,
                  rounds: int, *, k: float = K, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """FastChat's bootstrap for Elo: each round is a pass over as many battles drawn with replacement (in the drawn,
    random order). Returns rounds × models ratings."""
    import numpy as np

    n = len(a)
    block = max(1, min(rounds, _CHUNK_CELLS // max(n, 1)))
    out, done = [], 0
    while done < rounds:
        size = min(block, rounds - done)
        draws = rng.integers(0, n, size=(size, n))
        if size < _SIDE_BY_SIDE:
            out.append(np.stack([online_elo(a[d], b[d], score_a[d], models, k=k) for d in draws]))
        else:
            out.append(online_elo_rounds(a[draws], b[draws], score_a[draws], models, k=k))
        done += size
        if progress is not None:
            progress(done, rounds)
    return np.concatenate(out) if out else np.empty((0, models))
