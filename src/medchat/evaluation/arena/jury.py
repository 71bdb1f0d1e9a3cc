"""Arena battles judged by a jury: every judge's battle is stored (the judge is in the battle's key); the leaderboard
rates one *jury* battle per (sample, turn, pair) — the winner most judges named, a tie without a majority
(``judges.jury.jury_winner``) — so a pair is not counted once per judge.

Beside it: each judge's position consistency (a judge that picks a position rather than an answer shows as low
consistency here, and is outvoted there), and how far the judges agree on the battles: Fleiss' κ over the battles
every judge decided, Krippendorff's α (nominal) over all of them, a judge without a verdict on one a missing value.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from medchat.evaluation.judges.agreement import Interval, fleiss_kappa
from medchat.evaluation.judges.inter_rater import krippendorff_alpha
from medchat.evaluation.judges.jury import fold, jury_winner
from medchat.storage.battles import StoredBattle

Key = tuple[str, int, str, str]  # sample, turn, model_a, model_b


class Consistency(BaseModel):
    consistent: int = 0
    judged: int = 0

    @property
    def share(self) -> float | None:
        return self.consistent / self.judged if self.judged else None


class JuryAgreement(BaseModel):
    """Several judges on one set of battles."""

    judges: list[str]
    battles: int  # jury battles: (sample, turn, pair) with at least one judge's verdict
    complete: int  # ... decided by every judge (what Fleiss' κ reads)
    consistency: dict[str, Consistency] = Field(default_factory=dict)  # judge -> its position consistency
    fleiss_kappa: Interval = Field(default_factory=lambda: Interval(value=None))
    alpha: Interval = Field(default_factory=lambda: Interval(value=None))


def by_battle(battles: Iterable[StoredBattle]) -> dict[Key, dict[str, StoredBattle]]:
    """Stored battles grouped per (sample, turn, pair): ``{key: {judge: battle}}``, in the order first stored."""
    out: dict[Key, dict[str, StoredBattle]] = {}
    for battle in battles:
        out.setdefault((battle.sample_id, battle.turn, battle.model_a, battle.model_b), {})[battle.judge] = battle
    return out


def judges_of(battles: Iterable[StoredBattle]) -> list[str]:
    return list(dict.fromkeys(b.judge for b in battles))


def jury_battles(battles: Iterable[StoredBattle]) -> list[StoredBattle]:
    """One battle per (sample, turn, pair): the jury's verdict, the judges' own in ``metadata["jury"]``."""
    out = []
    for group in by_battle(battles).values():
        first = next(iter(group.values()))
        votes = {judge: b.winner for judge, b in group.items()}
        out.append(first.model_copy(update={
            "winner": jury_winner(list(votes.values())), "judge": "jury: " + ", ".join(votes), "consistent": None,
            "verdict_ab": None, "verdict_ba": None, "metadata": {"jury": votes}}))
    return out


def jury_agreement(battles: Iterable[StoredBattle], judges: list[str] | None = None, *,
                   resamples: int = 1000) -> JuryAgreement:
    """Each judge's position consistency and the judges' agreement on the battles they judged (``judges`` in the
    order to show them; by default as first stored)."""
    stored = list(battles)
    judges = list(dict.fromkeys([*(judges or []), *judges_of(stored)]))
    consistency = {judge: Consistency() for judge in judges}
    for battle in stored:
        if battle.consistent is not None:
            consistency[battle.judge].judged += 1
            consistency[battle.judge].consistent += battle.consistent
    groups = list(by_battle(stored).values())
    units = [[fold(g[j].winner) if j in g else None for j in judges] for g in groups]
    complete = [[v for v in unit if v is not None] for unit in units if None not in unit]
    return JuryAgreement(judges=judges, battles=len(groups), complete=len(complete), consistency=consistency,
                         fleiss_kappa=fleiss_kappa(complete, resamples=resamples),
                         alpha=krippendorff_alpha(units, "nominal", resamples=resamples))


def agreement_lines(agreement: JuryAgreement) -> list[str]:
    """What the terminal and the arena page print about a jury."""
    lines = [f"jury of {len(agreement.judges)}: the leaderboard rates the jury's verdict on each of "
             f"{agreement.battles:,} battles (the winner most judges named; a tie without a majority)"]
    for judge, found in agreement.consistency.items():
        share = f"{found.share:.1%} of {found.judged:,}" if found.share is not None else "no battles"
        lines.append(f"position consistency of {judge}: {share} kept their verdict with the answers swapped")
    lines.append(f"judges' agreement: Fleiss κ={agreement.fleiss_kappa.text()} on the {agreement.complete:,} battles "
                 f"every judge decided; Krippendorff α={agreement.alpha.text()} (nominal) on {agreement.alpha.n:,}")
    return lines
