"""Calibrating a judge: ask it about items people labelled, and measure how far it agrees (``agreement.py``).

Each item is judged once per repeat, concurrently within ``concurrency``; with a store, each verdict is kept as it
arrives under (judge, prompt ``name@version``, label digest), so a killed run resumes without asking again and a
finished one is re-scored for free. The result is stored as the judge's calibration, which ``judge_trust`` reads.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.judges.agreement import Agreement, agreement
from medchat.evaluation.judges.judge import Judge, as_judge, judge_gave_up
from medchat.evaluation.judges.labels import LabelItem, LabelSet
from medchat.evaluation.judges.pairwise import judge_pair
from medchat.models.base import ChatModel
from medchat.types import Message

if TYPE_CHECKING:
    from medchat.storage.calibrations import CalibrationStore

PROMPTS = {"pairwise": "pairwise", "rubric": "rubric", "facts": "facts"}


class Verdicter(Protocol):
    """What calibration asks: a name, a prompt id, and a verdict for one item (``None``: no verdict)."""

    name: str
    prompt: str

    async def verdict(self, item: LabelItem, repeat: int) -> dict[str, Any] | None: ...


class FactVerdict(BaseModel):
    explanation: str = Field(default="", description="one sentence on why")
    correct: bool


class ModelJudge:
    """A ``ChatModel`` (or ``Judge``) asked the bundled prompt of the label format."""

    def __init__(self, judge: ChatModel | Judge, format: str) -> None:
        grader = as_judge(judge)
        assert grader is not None
        self.judge = grader
        self.format = format
        self.name = grader.name
        self.prompt = grader.prompt(PROMPTS[format]).id

    async def verdict(self, item: LabelItem, repeat: int) -> dict[str, Any] | None:
        try:
            return await self._ask(item)
        except Exception as exc:
            if judge_gave_up(exc):
                return None
            raise

    async def _ask(self, item: LabelItem) -> dict[str, Any]:
        if self.format == "pairwise":
            pair = await judge_pair(self.judge, item.context, item.answer_a, item.answer_b)
            return {"label": pair.winner, "consistent": pair.consistent, "first": pair.first, "second": pair.second}
        if self.format == "rubric":
            from medchat.evaluation.scorers.rubric import CriterionVerdict, format_conversation

            messages = [Message(role=m["role"], content=m["content"]) for m in item.context]  # type: ignore[arg-type]
            points = f"{item.points:g}" if item.points is not None else "not given"
            found = await self.judge.ask("rubric", CriterionVerdict, conversation=format_conversation(
                messages, item.response), criterion=item.criterion, points=points)
            return {"label": "true" if found.value.criteria_met else "false"}
        fact = await self.judge.ask("facts", FactVerdict, question=item.question or "(not given)", fact=item.fact)
        return {"label": "true" if fact.value.correct else "false"}


def stored_id(item_id: str) -> str:
    """The id verdicts are stored under: the item's own, or its sha256 past the column's 300 characters."""
    return item_id if len(item_id) <= 300 else "sha256:" + hashlib.sha256(item_id.encode()).hexdigest()


class Calibration(BaseModel):
    judge: str
    prompt: str
    format: str
    dataset: str
    digest: str
    items: int
    repeats: int
    asked: int  # verdicts asked for in this run
    reused: int  # verdicts a stored earlier run had already given
    failed: int  # verdicts the judge did not give
    skipped: list[str] = Field(default_factory=list)
    agreement: Agreement


async def calibrate(labels: LabelSet, judge: Verdicter, *, repeats: int = 1, concurrency: int = 4,
                    store: CalibrationStore | None = None,
                    on_progress: Callable[[int, int], None] | None = None) -> Calibration:
    """Judge every item ``repeats`` times and measure agreement; stored verdicts are reused, new ones stored."""
    if repeats < 1:
        raise ConfigError(f"repeats must be 1 or more, not {repeats}")
    if concurrency < 1:
        raise ConfigError(f"concurrency must be 1 or more, not {concurrency}")
    done: dict[tuple[str, int], dict[str, Any]] = {}
    if store is not None:
        done = store.judgments(judge.name, judge.prompt, labels.digest)
    wanted = [(item, r) for item in labels.items for r in range(repeats)]
    todo = [(item, r) for item, r in wanted if (stored_id(item.id), r) not in done]
    reused = len(wanted) - len(todo)
    found: dict[tuple[str, int], dict[str, Any] | None] = dict(done)
    progress = [reused]
    gate = asyncio.Semaphore(concurrency)
    if on_progress is not None:
        on_progress(progress[0], len(wanted))

    async def one(item: LabelItem, repeat: int) -> None:
        async with gate:
            verdict = await judge.verdict(item, repeat)
        found[(stored_id(item.id), repeat)] = verdict
        if verdict is not None and store is not None:
            await asyncio.to_thread(store.add_judgment, judge.name, judge.prompt, labels.digest, stored_id(item.id),
                                    repeat, verdict)
        progress[0] += 1
        if on_progress is not None:
            on_progress(progress[0], len(wanted))

    await asyncio.gather(*(one(item, r) for item, r in todo))
    verdicts: list[list[str | None]] = []
    consistent: list[bool | None] = []
    failed = 0
    for item in labels.items:
        row = [found.get((stored_id(item.id), r)) for r in range(repeats)]
        failed += sum(v is None for v in row)
        verdicts.append([v["label"] if v is not None else None for v in row])
        consistent.append(row[0].get("consistent") if row[0] is not None else None)
    report = agreement(labels.format, [i.labels for i in labels.items], verdicts, consistent=consistent,
                       categories=[i.category for i in labels.items])
    result = Calibration(judge=judge.name, prompt=judge.prompt, format=labels.format, dataset=labels.dataset,
                         digest=labels.digest, items=len(labels.items), repeats=repeats, asked=len(todo), reused=reused,
                         failed=failed, skipped=labels.skipped, agreement=report)
    if store is not None:
        await asyncio.to_thread(store.save, judge=judge.name, prompt=judge.prompt, digest=labels.digest,
                                format=labels.format, dataset=labels.dataset, items=len(labels.items),
                                repeats=repeats, metrics=report.model_dump(mode="json"))
    return result
