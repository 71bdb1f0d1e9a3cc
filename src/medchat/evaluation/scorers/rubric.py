"""``rubric``: HealthBench-style grading, one judge call per rubric criterion.

Each criterion is decided on its own (all of them concurrently) from the whole conversation with the
answer as its last turn. Met criteria add their points, negative ones included (a met "must not"
criterion subtracts); the score is the points earned over the positive points available, clipped to
[0, 1]. The same sum over the criteria carrying a tag gives that tag's score
(``metadata["tags"]``), so statistics can break results down by rubric axis or theme.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.judges.judge import (
    Judge,
    failure_explanation,
    failure_record,
    judge_gave_up,
)
from medchat.evaluation.judges.jury import Jury, as_grader, convene
from medchat.evaluation.judges.jury import decide as jury_decide
from medchat.evaluation.output import Output
from medchat.evaluation.sample import RubricItem, Sample
from medchat.evaluation.score import Score, ScoreFn, scorer
from medchat.models.base import ChatModel
from medchat.types import Message

PROMPT = "rubric"


class CriterionVerdict(BaseModel):
    """What the judge answers for one criterion."""

    explanation: str = Field(default="", description="one or two sentences on why")
    criteria_met: bool


def format_conversation(messages: list[Message], answer: str) -> str:
    """``role: content`` turns separated by blank lines, the graded answer last."""
    turns = [*messages, Message.assistant(answer)]
    return "\n\n".join(f"{m.role}: {m.content}" for m in turns)


def points_score(items: list[tuple[float, bool]]) -> float | None:
    """Earned over available points, clipped to [0, 1]; ``None`` when nothing positive can be earned."""
    possible = sum(points for points, _ in items if points > 0)
    if possible <= 0:
        return None
    earned = sum(points for points, met in items if met)
    return min(max(earned / possible, 0.0), 1.0)


def tag_scores(rubric: list[RubricItem], met: list[bool]) -> dict[str, float]:
    """Per rubric tag, the score over the criteria carrying it (tags with no positive points are left out)."""
    by_tag: dict[str, list[tuple[float, bool]]] = {}
    for item, ok in zip(rubric, met, strict=True):
        for tag in item.tags:
            by_tag.setdefault(tag, []).append((item.points, ok))
    scores = {tag: points_score(items) for tag, items in sorted(by_tag.items())}
    return {tag: value for tag, value in scores.items() if value is not None}


@scorer("rubric")
def rubric(judge: ChatModel | Judge | Jury | list[ChatModel] | None = None) -> ScoreFn:
    """Grade each answer against its sample's rubric with ``judge`` (required): one judge, or a jury whose
    majority decides each criterion (``judges.jury``)."""
    grader = as_grader(judge)
    if grader is None:
        raise ConfigError("the rubric scorer needs a judge model",
                          hint="choose one with --judge (e.g. openai/gpt-4o-mini, or builtin/smollm2 offline)")

    async def score(sample: Sample, output: Output) -> Score:
        if not sample.rubric:
            return Score(value=None, explanation="no rubric for this sample")
        if isinstance(grader, Jury):
            return await convene(grader, PROMPT, lambda j: _graded(j, sample, output),
                                 lambda scores: _jury_score(sample.rubric, scores))
        return await _graded(grader, sample, output)

    return score


async def _graded(grader: Judge, sample: Sample, output: Output) -> Score:
    """One judge's grading of one answer."""
    conversation = format_conversation(sample.input, output.text)

    async def decide(item: RubricItem) -> Any:
        try:
            return await grader.ask(PROMPT, CriterionVerdict, conversation=conversation,
                                    criterion=item.criterion, points=f"{item.points:g}")
        except Exception as exc:
            if judge_gave_up(exc):
                return exc
            raise

    verdicts = await asyncio.gather(*(decide(item) for item in sample.rubric))
    breakdown: list[dict[str, Any]] = []
    failures: list[BaseException] = []
    attempts = 0
    for item, verdict in zip(sample.rubric, verdicts, strict=True):
        entry: dict[str, Any] = {"criterion": item.criterion, "points": item.points, "tags": item.tags}
        if isinstance(verdict, BaseException):
            failures.append(verdict)
            attempts += getattr(verdict, "attempts", 0)
            entry.update(met=None, explanation=failure_explanation(verdict))
        else:
            attempts += verdict.attempts
            entry.update(met=verdict.value.criteria_met, explanation=verdict.value.explanation,
                         attempts=verdict.attempts)
        breakdown.append(entry)

    record = {"model": grader.name, "prompt": grader.prompt(PROMPT).id, "attempts": attempts,
              "calls": len(sample.rubric)}
    if failures:
        record.update(failed=len(failures), error=failure_record(grader, PROMPT, failures[0]).get("error"))
        return Score(value=None, explanation=failure_explanation(failures[0]),
                     metadata={"judge": record, "criteria": breakdown})

    met = [bool(entry["met"]) for entry in breakdown]
    value = points_score([(item.points, ok) for item, ok in zip(sample.rubric, met, strict=True)])
    earned = sum(item.points for item, ok in zip(sample.rubric, met, strict=True) if ok)
    possible = sum(item.points for item in sample.rubric if item.points > 0)
    explanation = (f"{earned:g} of {possible:g} points; {sum(met)} of {len(met)} criteria met"
                   if value is not None else "the rubric has no positive points to earn")
    return Score(value=value, explanation=explanation,
                 metadata={"judge": record, "criteria": breakdown, "tags": tag_scores(sample.rubric, met)})


def _jury_score(rubric: list[RubricItem], scores: dict[str, Score]) -> Score:
    """Each criterion by the jury's majority (a split decides against the answer: an earning criterion is not met,
    a penalty one is), then points as for one judge."""
    names = list(scores)
    criteria = jury_decide([scores[n].metadata["criteria"] for n in names], "met", [item.points < 0 for item in rubric],
                      names)
    met = [bool(entry["met"]) for entry in criteria]
    value = points_score([(item.points, ok) for item, ok in zip(rubric, met, strict=True)])
    earned = sum(item.points for item, ok in zip(rubric, met, strict=True) if ok)
    possible = sum(item.points for item in rubric if item.points > 0)
    explanation = (f"{earned:g} of {possible:g} points; {sum(met)} of {len(met)} criteria met by the jury's majority"
                   if value is not None else "the rubric has no positive points to earn")
    return Score(value=value, explanation=explanation,
                 metadata={"criteria": criteria, "tags": tag_scores(rubric, met)})
