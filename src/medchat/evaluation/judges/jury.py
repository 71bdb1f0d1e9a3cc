"""A jury: several judges grade the same answer, and the score is theirs together, not one model's taste.

One judge's verdicts carry its biases (leniency, strictness, a favourite position); a jury of different models
averages some of that away and, more usefully, *measures* it: where judges disagree, a single judge's score was
never as solid as it looked. ``--judge A --judge B`` makes one.

How a jury decides:

- **met / not met** (a rubric criterion, a claim's support): the majority of the judges that answered. A split jury
  (an even number, half each way) decides *against the answer*: a criterion that earns points is not met, a penalty
  criterion (negative points) is met, a claim is not supported. A medical answer gets credit only when most judges
  see it, and a harm counts when half of them do.
- **numbers**: the mean of the judges' values.
- **pairwise battles** (``jury_winner``): the winner most judges named (each judge's own verdict already asked in
  both orders), a tie when no verdict has a majority.

A judge that gives no valid verdict on an item (``JudgeError``, or a provider that stayed unavailable) is left out
of that item's jury and counted (``metadata["jury"]["failed"]``); the item is scored by the others, and only when
every judge failed is the score missing. Each judge's own score and verdict record stay in ``Score.metadata["jury"]``,
so reports can show every judge's mean beside the jury's and how far the judges agree (``jury_stats``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from medchat.errors import ConfigError
from medchat.evaluation.judges.judge import Judge, JudgePrompt, as_judge
from medchat.evaluation.score import Score
from medchat.models.base import ChatModel

TIE_RULE = "majority of the judges that answered; a split jury decides against the answer"


class Jury:
    """Two or more distinct judges, asked the same questions."""

    def __init__(self, judges: Sequence[ChatModel | Judge]) -> None:
        graders = [g for g in (as_judge(j) for j in judges) if g is not None]
        names = [g.name for g in graders]
        if len(graders) < 2:
            raise ConfigError("a jury needs two judges or more", hint="give --judge A --judge B")
        if len(set(names)) != len(names):
            raise ConfigError(f"a jury names a judge twice: {', '.join(names)}", hint="give each --judge once")
        self.judges = graders

    @property
    def names(self) -> list[str]:
        return [j.name for j in self.judges]

    @property
    def name(self) -> str:
        return "jury: " + ", ".join(self.names)

    def prompt(self, name: str) -> JudgePrompt:
        """The prompt every judge is asked (one prompt folder: the first judge's)."""
        return self.judges[0].prompt(name)


Grader = Judge | Jury


def as_grader(judge: ChatModel | Judge | Jury | Sequence[ChatModel | Judge] | None) -> Grader | None:
    """What the judge-based scorers accept: a ``Jury``, a sequence of judges (a jury when two or more), or one
    judge (``as_judge``)."""
    if isinstance(judge, Jury):
        return judge
    if isinstance(judge, list | tuple):
        return Jury(judge) if len(judge) > 1 else as_judge(judge[0]) if judge else None
    return as_judge(judge)  # type: ignore[arg-type]


def majority(votes: Sequence[bool], *, tie: bool) -> bool:
    """The verdict most votes give; ``tie`` when they split evenly (the caller's side of the rule above)."""
    yes = sum(bool(v) for v in votes)
    no = len(votes) - yes
    return tie if yes == no else yes > no


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def fold(winner: str) -> str:
    """Public winners as a jury counts them: ``tie (bothbad)`` is a tie."""
    return "tie" if winner.startswith("tie") or winner == "both_bad" else winner


def jury_winner(winners: Sequence[str]) -> str:
    """The winner more than half the judges named (``tie (bothbad)`` counting as ``tie``); ``tie`` otherwise. Kept
    as ``tie (bothbad)`` when every judge on the majority said both were bad."""
    if not winners:
        raise ValueError("a jury verdict needs at least one judge's verdict")
    counts = Counter(fold(w) for w in winners)
    top, count = counts.most_common(1)[0]
    if count * 2 <= len(winners):
        return "tie"
    if top == "tie" and all(w in ("tie (bothbad)", "both_bad") for w in winners if fold(w) == "tie"):
        return winners[[fold(w) for w in winners].index("tie")]
    return top


def failed(score: Score) -> bool:
    """A judge's score that is missing because the judge gave no verdict (not because nothing applied)."""
    record = score.metadata.get("judge")
    return score.value is None and isinstance(record, dict) and "error" in record


Combine = Callable[[dict[str, Score]], Score]


async def convene(jury: Jury, prompt: str, grade: Callable[[Judge], Awaitable[Score]], combine: Combine) -> Score:
    """Every judge grades (concurrently) with ``grade``; ``combine`` makes the jury's score from those that gave
    one. The score's metadata gains ``judge`` (the jury as one record: ``model`` "jury: a, b", ``jury`` the
    names) and ``jury`` (each judge's value, explanation and record; the failed ones)."""
    scores = await asyncio.gather(*(grade(judge) for judge in jury.judges))
    by_judge = dict(zip(jury.names, scores, strict=True))
    answered = {name: s for name, s in by_judge.items() if not failed(s)}
    lost = {name: s.explanation or str(s.metadata["judge"]["error"]) for name, s in by_judge.items() if failed(s)}
    records = {name: s.metadata.get("judge") or {} for name, s in by_judge.items()}
    record: dict[str, Any] = {"model": jury.name, "jury": jury.names, "prompt": jury.prompt(prompt).id,
                              "attempts": sum(int(r.get("attempts", 0)) for r in records.values()),
                              "calls": sum(int(r.get("calls", 0)) for r in records.values())}
    panel = {"rule": TIE_RULE, "judges": {name: {"value": s.value, "explanation": s.explanation,
                                                 "judge": records[name]} for name, s in by_judge.items()}}
    if lost:
        record["failed"] = len(lost)
        panel["failed"] = lost
    if not answered:
        first = next(iter(lost.values()))
        record["error"] = first
        return Score(value=None, explanation=f"every judge of the jury failed (e.g. {first})",
                     metadata={"judge": record, "jury": panel})
    verdict = combine(answered)
    left_out = f"; {len(lost)} of {len(by_judge)} judges gave no verdict and were left out" if lost else ""
    return verdict.model_copy(update={"explanation": verdict.explanation + left_out,
                                      "metadata": {**verdict.metadata, "judge": record, "jury": panel}})


def decide(entries: Sequence[Sequence[dict[str, Any]]], key: str, ties: Sequence[bool],
           judges: Sequence[str]) -> list[dict[str, Any]]:
    """Per item (a criterion, a claim), the jury's ``key`` by majority with ``ties[i]`` on a split, and each
    judge's vote: ``entries[j][i]`` is judge ``j``'s entry for item ``i``."""
    out = []
    for i, tie in enumerate(ties):
        votes = {name: bool(entries[j][i][key]) for j, name in enumerate(judges)}
        entry = {k: v for k, v in entries[0][i].items() if k not in (key, "explanation", "attempts")}
        entry.update({key: majority(list(votes.values()), tie=tie), "votes": votes})
        out.append(entry)
    return out
