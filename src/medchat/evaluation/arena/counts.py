"""Battles as numbers: ``BattleTable`` (one row per battle, model names coded as integers) and ``PairCounts``
(wins each way and ties per pair of models).

Every rating but online Elo depends on the battles only through the pair counts, so they are counted once with
numpy and the fits run on a few thousand cells, not on 1.6 M rows; resampling battles for a bootstrap is then a
multinomial draw over those cells.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from medchat.evaluation.arena.battles import WINNERS, Battle

if TYPE_CHECKING:
    import numpy as np

A_WON, B_WON, TIE, TIE_BOTH_BAD = range(4)  # outcome codes, in the order of battles.WINNERS
_OUTCOME = {name: code for code, name in enumerate(WINNERS)}
_CHUNK_CELLS = 4_000_000  # resampled cells held at once during a bootstrap


@dataclass
class BattleTable:
    """Battles in columns: ``a``/``b`` index ``models`` (sorted by name), ``outcome`` holds the codes above,
    lengths are ``nan`` where unknown. File order is kept (online Elo depends on it)."""

    models: list[str]
    a: np.ndarray
    b: np.ndarray
    outcome: np.ndarray
    length_a: np.ndarray
    length_b: np.ndarray

    @classmethod
    def from_battles(cls, battles: Iterable[Battle]) -> BattleTable:
        """Code a stream of battles, keeping only numbers (compact arrays, not a million objects)."""
        import numpy as np

        index: dict[str, int] = {}
        a, b, outcome = array("i"), array("i"), array("b")
        length_a, length_b = array("d"), array("d")
        nan = float("nan")
        for battle in battles:
            a.append(index.setdefault(battle.model_a, len(index)))
            b.append(index.setdefault(battle.model_b, len(index)))
            outcome.append(_OUTCOME[battle.winner])
            length_a.append(nan if battle.length_a is None else battle.length_a)
            length_b.append(nan if battle.length_b is None else battle.length_b)
        names = sorted(index)
        recode = np.empty(len(index), dtype=np.int32)
        recode[[index[name] for name in names]] = np.arange(len(names), dtype=np.int32)
        return cls(names, recode[np.frombuffer(a, dtype=np.int32)], recode[np.frombuffer(b, dtype=np.int32)],
                   np.frombuffer(outcome, dtype=np.int8).copy(), np.frombuffer(length_a).copy(),
                   np.frombuffer(length_b).copy())

    @classmethod
    def from_arrays(cls, models: list[str], a: np.ndarray, b: np.ndarray, outcome: np.ndarray,
                    length_a: np.ndarray | None = None, length_b: np.ndarray | None = None) -> BattleTable:
        """Already coded battles (synthetic ones, a benchmark); lengths unknown unless given."""
        import numpy as np

        from medchat.errors import ConfigError

        if np.any(np.asarray(a) == np.asarray(b)):
            raise ConfigError("a battle has the same model on both sides", hint="a model cannot battle itself")
        unknown = np.full(len(a), np.nan)
        return cls(list(models), np.asarray(a, dtype=np.int32), np.asarray(b, dtype=np.int32),
                   np.asarray(outcome, dtype=np.int8), unknown if length_a is None else np.asarray(length_a, float),
                   unknown if length_b is None else np.asarray(length_b, float))

    def __len__(self) -> int:
        return len(self.a)

    def battles_per_model(self) -> np.ndarray:
        import numpy as np

        m = len(self.models)
        return np.bincount(self.a, minlength=m) + np.bincount(self.b, minlength=m)

    def scores(self) -> np.ndarray:
        """Model A's score in each battle: 1 for a win, 0 for a loss, 0.5 for either kind of tie."""
        import numpy as np

        return np.select([self.outcome == A_WON, self.outcome == B_WON], [1.0, 0.0], 0.5)


@dataclass
class PairCounts:
    """Per unordered pair ``(i[p], j[p])`` with ``i < j``: battles ``i`` won, ``j`` won, and ties (both kinds).
    Counts are floats so a resample or weights fit the same shape."""

    models: list[str]
    i: np.ndarray
    j: np.ndarray
    wins_i: np.ndarray
    wins_j: np.ndarray
    ties: np.ndarray

    @classmethod
    def from_table(cls, table: BattleTable) -> PairCounts:
        import numpy as np

        m = len(table.models)
        low, high = np.minimum(table.a, table.b), np.maximum(table.a, table.b)
        swapped = table.a > table.b
        # 0: the lower index won, 1: the higher won, 2: a tie
        side = np.where(table.outcome >= TIE, 2, (table.outcome == B_WON) ^ swapped).astype(np.int64)
        keys, pair = np.unique(low.astype(np.int64) * m + high, return_inverse=True)
        cells = np.bincount(pair.ravel() * 3 + side, minlength=len(keys) * 3).reshape(-1, 3).astype(np.float64)
        return cls(table.models, (keys // m).astype(np.int32), (keys % m).astype(np.int32), cells[:, 0],
                   cells[:, 1], cells[:, 2])

    @property
    def battles(self) -> np.ndarray:
        return self.wins_i + self.wins_j + self.ties

    @property
    def total(self) -> int:
        return round(float(self.battles.sum()))

    def cells(self) -> np.ndarray:
        """The counts as one flat vector: pair by pair, (i won, j won, tie)."""
        import numpy as np

        return np.stack([self.wins_i, self.wins_j, self.ties], axis=1).ravel()

    def with_cells(self, cells: np.ndarray) -> PairCounts:
        """The same pairs with other counts (a bootstrap resample)."""
        grid = cells.reshape(-1, 3)
        return PairCounts(self.models, self.i, self.j, grid[:, 0], grid[:, 1], grid[:, 2])

    def resamples(self, rng: np.random.Generator, rounds: int) -> Iterator[PairCounts]:
        """``rounds`` bootstrap resamples of the battles: as many battles, drawn with replacement, which is one
        multinomial draw over the pair-outcome cells per round."""
        import numpy as np

        cells = self.cells()
        n = round(float(cells.sum()))
        probabilities = cells / max(cells.sum(), 1.0)
        block = max(1, min(rounds, _CHUNK_CELLS // max(len(cells), 1)))
        done = 0
        while done < rounds:
            rows = min(block, rounds - done)
            for draw in rng.multinomial(n, probabilities, size=rows).astype(np.float64):
                yield self.with_cells(draw)
            done += rows

    def matrix(self, values: np.ndarray, values_t: np.ndarray | None = None) -> np.ndarray:
        """An M × M matrix with ``values`` at (i, j) and ``values_t`` (default: the same) at (j, i); ``nan`` for
        pairs that never met."""
        import numpy as np

        m = len(self.models)
        out = np.full((m, m), np.nan)
        out[self.i, self.j] = values
        out[self.j, self.i] = values if values_t is None else values_t
        return out

    def win_rates(self) -> np.ndarray:
        """Row's share of its battles against column, ties as half wins (the same convention as the ratings)."""
        import numpy as np

        n = self.battles
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.matrix((self.wins_i + self.ties / 2) / n, (self.wins_j + self.ties / 2) / n)

    def counts(self) -> np.ndarray:
        """Battles between row and column (0 on the diagonal and for pairs that never met)."""
        import numpy as np

        return np.nan_to_num(self.matrix(self.battles), nan=0.0).astype(np.int64)
