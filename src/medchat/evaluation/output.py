"""What a solver hands to the scorers: the answer, the full transcript, and how it was produced."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from medchat.types import Completion, FinishReason, Message, Timing, Usage


class Output(BaseModel):
    """A model's answer to one sample.

    ``emergency``/``declined``/``citations``/``safety`` come from the guarded assistant and stay
    ``None``/empty for a raw model; safety scorers then judge the text itself. ``fallback`` is set when a
    fallback model answered instead of the one asked (``Completion.fallback``: from, to, reason), so a run's
    results can count them.
    """

    text: str
    model: str
    messages: list[Message] = Field(default_factory=list)  # the whole transcript, answer included
    finish_reason: FinishReason = "stop"
    usage: Usage = Field(default_factory=Usage)
    timing: Timing = Field(default_factory=Timing)
    cost_usd: float | None = None
    emergency: bool | None = None
    declined: bool | None = None
    citations: list[dict[str, Any]] = Field(default_factory=list)
    safety: dict[str, Any] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    fallback: dict[str, str] | None = None

    @classmethod
    def from_completion(cls, completion: Completion, messages: list[Message]) -> Output:
        return cls(text=completion.text, model=completion.model,
                   messages=[*messages, Message.assistant(completion.text)],
                   finish_reason=completion.finish_reason, usage=completion.usage, timing=completion.timing,
                   cost_usd=completion.cost_usd, fallback=completion.fallback)
