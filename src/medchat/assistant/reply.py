"""What one assistant turn produces: the answer, its sources, the safety report and a timed trace."""

from __future__ import annotations

from pydantic import BaseModel, Field

from medchat.safety.report import SafetyReport
from medchat.types import Timing, Usage


class Citation(BaseModel):
    number: int  # the [n] used in the answer
    title: str
    url: str | None = None
    source: str
    passage_id: str
    language: str
    quote: str  # the passage the model was given


class TraceStep(BaseModel):
    name: str  # "language", "triage", "redact", "retrieve", "generate", ...
    seconds: float
    detail: str = ""


class Escalation(str):
    """The emergency opening of a reply, yielded first: a piece of text like any other, which also carries the
    triage's categories, so a front end can raise its banner before the answer (the server's first chunk)."""

    categories: tuple[str, ...]
    call: str  # whom to call, for the locale: "999", "120", "your local emergency number (911 in the US, ...)"
    language: str  # the reply's language, which ``call`` is written in

    def __new__(cls, text: str, categories: list[str] | tuple[str, ...] = (), call: str = "",
                language: str = "en") -> Escalation:
        piece = super().__new__(cls, text)
        piece.categories = tuple(categories)
        piece.call = call
        piece.language = language
        return piece


class FallbackPiece(str):
    """The first piece of an answer that a fallback model gave (the model asked was passed over): a piece of text
    like any other, which also carries ``Completion.fallback`` (from, to, reason), so a server can say so in its
    headers before the rest of the answer comes."""

    fallback: dict[str, str]

    def __new__(cls, text: str, fallback: dict[str, str]) -> FallbackPiece:
        piece = super().__new__(cls, text)
        piece.fallback = fallback
        return piece


class AssistantReply(BaseModel):
    text: str
    language: str
    model: str
    citations: list[Citation] = Field(default_factory=list)
    safety: SafetyReport = Field(default_factory=SafetyReport)
    trace: list[TraceStep] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    timing: Timing = Field(default_factory=Timing)
    cost_usd: float | None = None
    emergency: bool = False
    conversation_id: str | None = None
    #: set when a fallback answered instead of the assistant's model, as ``Completion.fallback``
    fallback: dict[str, str] | None = None

    @property
    def overhead_s(self) -> float:
        """Pipeline time spent outside the model call."""
        return sum(step.seconds for step in self.trace if step.name != "generate")
