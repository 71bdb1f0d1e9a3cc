"""A pairwise judge: which of two answers is better — asked in both orders, because LLM judges favour a position.

``judge_pair`` asks the judge with the answers as (A, B) and again as (B, A), maps the second verdict back, and
keeps the verdict only when both orders agree; a verdict that flips with the order is an *inconsistent* tie (as
MT-Bench's pairwise judge records ``tie (inconsistent)``). Both raw verdicts travel with the result, so position
bias can be measured, not just hidden. The arena runner uses the same call.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from medchat.evaluation.judges.judge import Judge, as_judge
from medchat.models.base import ChatModel
from medchat.types import Message

PROMPT = "pairwise"

Winner = Literal["a", "b", "tie", "both_bad"]
WINNERS: tuple[str, ...] = ("a", "b", "tie", "both_bad")

_SPOKEN = {
    "a": "a", "b": "b", "tie": "tie", "both_bad": "both_bad",
    "model_a": "a", "model_b": "b", "assistant_a": "a", "assistant_b": "b", "reply_a": "a", "reply_b": "b",
    "answer_a": "a", "answer_b": "b", "1": "a", "2": "b", "draw": "tie", "equal": "tie", "same": "tie",
    "tie_bothbad": "both_bad", "tie_both_bad": "both_bad", "bothbad": "both_bad", "neither": "both_bad",
    "both_are_bad": "both_bad", "tie_inconsistent": "tie", "平局": "tie", "两者都差": "both_bad", "都不好": "both_bad",
}


def normalise_winner(value: Any) -> str | None:
    """``"A"``, ``"[[B]]"``, ``"model_a"``, ``"tie (bothbad)"``, ``"Assistant A"`` → ``a``, ``b``, ``tie``, ``both_bad``
    (``None`` for anything else)."""
    if not isinstance(value, str):
        return None
    key = re.sub(r"[^a-z0-9\u4e00-\u9fff]+", "_", value.strip().lower()).strip("_")
    return _SPOKEN.get(key)


def swap(winner: str) -> str:
    """The same verdict seen with the answers in the other order."""
    return {"a": "b", "b": "a"}.get(winner, winner)


def is_tie(winner: str) -> bool:
    return winner in ("tie", "both_bad")


class PairVerdict(BaseModel):
    """What the judge answers, once, in one order."""

    explanation: str = Field("", description="one or two sentences comparing the replies")
    winner: Winner = Field(description="A, B, tie or both_bad")

    @field_validator("winner", mode="before")
    @classmethod
    def _spoken(cls, value: Any) -> Any:
        return normalise_winner(value) or value


class PairJudgment(BaseModel):
    """A verdict that survived the order swap, or an inconsistent tie; ``first`` is the (A, B) order's verdict and
    ``second`` the (B, A) order's, already mapped back to the original labels."""

    winner: Winner
    consistent: bool
    first: Winner
    second: Winner
    explanations: list[str] = Field(default_factory=list)
    model: str
    prompt: str
    attempts: int = 0


def combine(first: str, second: str) -> tuple[str, bool]:
    """The verdict of two orders: kept when they agree (``tie`` and ``both_bad`` agree as ties), else a tie."""
    if first == second:
        return first, True
    if is_tie(first) and is_tie(second):
        return "tie", True
    return "tie", False


def render_conversation(question: str | list[Message] | list[dict[str, str]]) -> str:
    """A question, or the turns before the answers, as the prompt shows them."""
    if isinstance(question, str):
        return f"user: {question}"
    lines = []
    for message in question:
        role, content = (message.role, message.content) if isinstance(message, Message) else \
            (message.get("role", "user"), message.get("content", ""))
        lines.append(f"{role}: {content}")
    return "\n\n".join(lines)


async def judge_pair(judge: ChatModel | Judge, question: str | list[Message] | list[dict[str, str]],
                     answer_a: str, answer_b: str) -> PairJudgment:
    """Judge ``answer_a`` against ``answer_b`` in both orders. Raises ``JudgeError`` when either order gets no
    valid verdict (provider errors pass through, as with every judge)."""
    grader = as_judge(judge)
    assert grader is not None
    conversation = render_conversation(question)
    forward = await grader.ask(PROMPT, PairVerdict, conversation=conversation, answer_a=answer_a, answer_b=answer_b)
    backward = await grader.ask(PROMPT, PairVerdict, conversation=conversation, answer_a=answer_b, answer_b=answer_a)
    first, second = forward.value.winner, swap(backward.value.winner)
    winner, consistent = combine(first, second)
    return PairJudgment(winner=winner, consistent=consistent, first=first, second=second,  # type: ignore[arg-type]
                        explanations=[forward.value.explanation, backward.value.explanation],
                        model=forward.model, prompt=forward.prompt, attempts=forward.attempts + backward.attempts)
