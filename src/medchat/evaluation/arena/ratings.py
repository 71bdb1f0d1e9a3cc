"""Ratings from battles: the ``Leaderboard`` result, the registry of rating methods (``@rating_method("bt")``),
and ``rate()``, which counts the battles once, runs a method with its bootstrap, and adds the win-rate matrices
and the length-bias check.

Methods: ``bt`` (Bradley–Terry by maximum likelihood, ties as half wins, FastChat's ``compute_mle_elo``),
``elo`` (FastChat's online Elo, K = 4) and ``win_rate`` (each model's share of its battles won, ties half).
Intervals are 95 % percentile bootstrap intervals over battles, seeded, as FastChat reports them (2.5th, 50th and
97.5th percentiles of the resampled ratings). ``bt`` reports the fit on all battles as the rating, ``elo`` the
bootstrap median (one online pass depends on the battles' order), both as FastChat does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.arena import bt
from medchat.evaluation.arena.battles import Battle
from medchat.evaluation.arena.bias import LengthBias, length_bias
from medchat.evaluation.arena.counts import BattleTable, PairCounts

if TYPE_CHECKING:
    import numpy as np

ROUNDS = 1000
SEED = 0
Progress = Callable[[int, int], None]


class Row(BaseModel):
    """One model: its rating, the bootstrap interval and median (``None`` without a bootstrap), its battles."""

    model: str
    rating: float
    ci_low: float | None = None
    ci_high: float | None = None
    battles: int
    median: float | None = None

    def columns(self) -> dict[str, Any]:
        """What the CLI prints: model, rating, ci_low, ci_high, battles."""
        return self.model_dump(include={"model", "rating", "ci_low", "ci_high", "battles"})


class Leaderboard(BaseModel):
    """Rows best first; the matrices are indexed by ``models`` in that same order (row vs column; ``None`` on the
    diagonal and where two models never met)."""

    method: str
    scale: Literal["points", "share"]  # Elo-scale points (base 10, scale 400) or a share of battles won
    models: list[str]
    rows: list[Row]
    battles: int
    rounds: int
    seed: int
    anchor: dict[str, float] | None = None
    win_rate: list[list[float | None]]
    predicted_win_rate: list[list[float | None]] | None = None
    counts: list[list[int]]
    length_bias: LengthBias | None = None
    notes: list[str] = Field(default_factory=list)


@dataclass
class Settings:
    anchor: dict[str, float] | None = None
    rounds: int = ROUNDS
    seed: int = SEED
    progress: Progress | None = None


@dataclass
class Rated:
    """A method's answer: ratings per model (in the table's model order), bootstrap rounds × models (or ``None``),
    and anything the reader must know."""

    ratings: np.ndarray
    samples: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    scale: Literal["points", "share"] = "points"


RatingMethod = Callable[[BattleTable, PairCounts, Settings], Rated]
_METHODS: dict[str, RatingMethod] = {}
_SHARES: set[str] = set()  # methods whose ratings are shares, not points: no anchor, no predicted win rates


def rating_method(name: str, *, scale: Literal["points", "share"] = "points"
                  ) -> Callable[[RatingMethod], RatingMethod]:
    """Register a rating method under ``name`` (a later registration replaces an earlier one)."""

    def register(method: RatingMethod) -> RatingMethod:
        _METHODS[name] = method
        (_SHARES.add if scale == "share" else _SHARES.discard)(name)
        return method

    return register


def method_names() -> list[str]:
    return sorted(_METHODS)


def rate(battles: BattleTable | Iterable[Battle], *, method: str = "bt", anchor: dict[str, float] | None = None,
         rounds: int = ROUNDS, seed: int = SEED, progress: Progress | None = None) -> Leaderboard:
    """Rate the models in ``battles`` with ``method``; ``rounds`` bootstrap rounds (0: no intervals)."""
    import numpy as np

    if method not in _METHODS:
        raise ConfigError(f"unknown rating method {method!r}", hint="choose one of: " + ", ".join(method_names()))
    if rounds < 0:
        raise ConfigError(f"bootstrap rounds must be 0 or more, not {rounds}", hint="the usual value is 1000")
    table = battles if isinstance(battles, BattleTable) else BattleTable.from_battles(battles)
    if not len(table):
        raise ConfigError("no battles to rate", hint="give a JSONL file of battles (model_a, model_b, winner)")
    if anchor and method in _SHARES:
        raise ConfigError(f"an anchor fixes a rating in points; {method} gives shares", hint="use --method bt or elo")
    _check_anchor(anchor, table.models)
    counts = PairCounts.from_table(table)
    rated = _METHODS[method](table, counts, Settings(anchor, rounds, seed, progress))
    order = np.argsort(-rated.ratings, kind="stable")
    per_model = table.battles_per_model()
    rows = []
    for k in order.tolist():
        row = Row(model=table.models[k], rating=float(rated.ratings[k]), battles=int(per_model[k]))
        if rated.samples is not None and len(rated.samples):
            low, median, high = np.quantile(rated.samples[:, k], [0.025, 0.5, 0.975])
            row = row.model_copy(update={"ci_low": float(low), "ci_high": float(high), "median": float(median)})
        rows.append(row)
    shuffle = np.ix_(order, order)
    predicted = None
    if rated.scale == "points":
        r = rated.ratings
        predicted = _listed(1 / (1 + bt.BASE ** ((r[None, :] - r[:, None]) / bt.SCALE))[shuffle])
    return Leaderboard(method=method, scale=rated.scale, models=[table.models[k] for k in order.tolist()],
                       rows=rows, battles=len(table), rounds=rounds, seed=seed, anchor=anchor,
                       win_rate=_listed(counts.win_rates()[shuffle]), predicted_win_rate=predicted,
                       counts=counts.counts()[shuffle].tolist(), length_bias=length_bias(table), notes=rated.notes)


def _check_anchor(anchor: dict[str, float] | None, models: list[str]) -> None:
    if not anchor:
        return
    if len(anchor) != 1:
        raise ConfigError(f"anchor one model, not {len(anchor)}", hint="e.g. --anchor gpt-4o=1200")
    (model, value), = anchor.items()
    if model not in models:
        shown = ", ".join(models[:12]) + (" ..." if len(models) > 12 else "")
        raise ConfigError(f"anchor model {model!r} is not in the battles", hint=f"choose one of: {shown}")
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"anchor rating for {model!r} must be a finite number, not {value}")


def _listed(matrix: np.ndarray) -> list[list[float | None]]:
    """A matrix for JSON: ``None`` on the diagonal and for pairs that never met."""
    import numpy as np

    out = matrix.astype(float)
    np.fill_diagonal(out, np.nan)
    return [[None if v != v else float(v) for v in row] for row in out.tolist()]


def _tick(settings: Settings, done: int) -> None:
    if settings.progress is not None and (done % 10 == 0 or done == settings.rounds):
        settings.progress(done, settings.rounds)


# ---------------------------------------------------------------------------------------------- methods


@rating_method("bt")
def bradley_terry(table: BattleTable, counts: PairCounts, settings: Settings) -> Rated:
    """Bradley–Terry by maximum likelihood; the weak prior only where the likelihood has no finite maximum."""
    import numpy as np

    notes: list[str] = []
    prior = 0.0 if bt.mle_exists(counts) else bt.PRIOR_TIES
    if prior:
        notes += _no_mle_notes(counts)
    theta = bt.fit(counts, prior=prior)
    ratings = bt.to_ratings(theta, counts.models, settings.anchor)
    if not settings.rounds:
        return Rated(ratings, notes=notes)
    edges = _edges(counts)
    samples = np.empty((settings.rounds, len(counts.models)))
    helped = 0
    for r, resample in enumerate(counts.resamples(np.random.default_rng(settings.seed), settings.rounds)):
        weak = prior
        if not weak and not np.array_equal(_edges(resample), edges) and not bt.mle_exists(resample):
            weak, helped = bt.PRIOR_TIES, helped + 1
        samples[r] = bt.to_ratings(bt.fit(resample, prior=weak, start=theta), counts.models, settings.anchor)
        _tick(settings, r + 1)
    if helped:
        notes.append(f"{helped} of {settings.rounds} bootstrap rounds left some model unbeaten or winless; those "
                     "rounds were fitted with the weak prior (one virtual tie per model against a 1000-rated "
                     "reference), so the intervals of models with few battles are rough")
    return Rated(ratings, samples, notes)


def _edges(counts: PairCounts) -> np.ndarray:
    import numpy as np

    return np.stack([counts.wins_i + counts.ties > 0, counts.wins_j + counts.ties > 0])


def _no_mle_notes(counts: PairCounts) -> list[str]:
    notes = ["the maximum-likelihood ratings are infinite for these battles, so each model was given one virtual "
             "tie against a 1000-rated reference (a weak prior that keeps them finite)"]
    found = bt.groups(counts)
    if len(found) > 1:
        shown = " | ".join(", ".join(group) for group in found)
        notes.append(f"some models never met, even through others ({shown}): ratings compare only within a group")
    unbeaten, winless = bt.unbeaten_and_winless(counts)
    if unbeaten:
        notes.append("never lost or tied a battle: " + ", ".join(unbeaten) + " (its rating is a lower bound)")
    if winless:
        notes.append("never won or tied a battle: " + ", ".join(winless) + " (its rating is an upper bound)")
    return notes


@rating_method("elo")
def online(table: BattleTable, counts: PairCounts, settings: Settings) -> Rated:
    """FastChat's online Elo; with a bootstrap the rating is the median of the rounds, as FastChat reports it."""
    import numpy as np

    from medchat.evaluation.arena.elo import bootstrap_elo, online_elo

    m, score = len(table.models), table.scores()
    ratings = _anchored(online_elo(table.a, table.b, score, m)[None, :], table.models, settings.anchor)[0]
    notes = ["online Elo depends on the order of the battles (file order here); "
             + ("the rating is the median over bootstrap rounds, each in a random order" if settings.rounds
                else "no bootstrap: the rating is one pass in file order")]
    if not settings.rounds:
        return Rated(ratings, notes=notes)
    rng = np.random.default_rng(settings.seed)
    samples = bootstrap_elo(table.a, table.b, score, m, rng, settings.rounds, progress=settings.progress)
    samples = _anchored(samples, table.models, settings.anchor)
    return Rated(np.median(samples, axis=0), samples, notes)


def _anchored(ratings: np.ndarray, models: list[str], anchor: dict[str, float] | None) -> np.ndarray:
    if not anchor:
        return ratings
    (model, value), = anchor.items()
    k = models.index(model)
    return ratings + (value - ratings[:, k:k + 1])


@rating_method("win_rate", scale="share")
def win_rate(table: BattleTable, counts: PairCounts, settings: Settings) -> Rated:
    """Each model's share of its battles won, ties as half: simple, but it rewards an easy schedule."""
    import numpy as np

    def shares(c: PairCounts) -> np.ndarray:
        m = len(c.models)
        won = np.bincount(c.i, c.wins_i + c.ties / 2, m) + np.bincount(c.j, c.wins_j + c.ties / 2, m)
        played = np.bincount(c.i, c.battles, m) + np.bincount(c.j, c.battles, m)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(played > 0, won / np.maximum(played, 1), np.nan)

    ratings = shares(counts)
    if not settings.rounds:
        return Rated(ratings, scale="share")
    samples = np.empty((settings.rounds, len(counts.models)))
    for r, resample in enumerate(counts.resamples(np.random.default_rng(settings.seed), settings.rounds)):
        samples[r] = shares(resample)
        _tick(settings, r + 1)
    # a model drawn into no battle of a round has no share there: its median round stands in
    if np.isnan(samples).any():
        samples = np.where(np.isnan(samples), np.nanmedian(samples, axis=0), samples)
    return Rated(ratings, samples, scale="share")
