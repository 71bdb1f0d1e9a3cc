"""Request and response bodies of the application API (``/api``) that storage and knowledge do not already
describe. Lengths are bounded here, so one request cannot make the server store or search without limit."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medchat.knowledge.base import SearchResult
from medchat.storage.feedback import REASONS

T = TypeVar("T")
Reason = Literal[tuple(REASONS)]  # type: ignore[valid-type]

MAX_TEXT = 60_000  # the longest comment, correction, question or answer taken (the default message limit)


class ConversationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=200, description="the model the conversation talks to")


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(max_length=200, description="the new title (null clears it)")


class Deleted(BaseModel):
    id: str
    object: str
    deleted: bool = True


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TEXT)


class FeedbackIn(BaseModel):
    """Feedback on one reply: a stored one (``message_id``, from ``medchat.message_id`` of the chat response or
    a conversation's messages) or one never stored (then ``question`` and ``answer`` say what was judged)."""

    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    reason: Reason | None = Field(default=None, description="why a reply was marked down (GET /api/feedback/reasons)")
    comment: str | None = Field(default=None, max_length=4000)
    correction: str | None = Field(default=None, max_length=MAX_TEXT,
                                   description="the answer it should have given; exported as the reference answer")
    message_id: int | None = Field(default=None, ge=1)
    completion_id: str | None = Field(default=None, max_length=64)
    model: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16)
    question: str | None = Field(default=None, max_length=MAX_TEXT)
    answer: str | None = Field(default=None, max_length=MAX_TEXT)
    history: list[Turn] = Field(default_factory=list, max_length=200, description="earlier turns, oldest first")

    @model_validator(mode="after")
    def _judged(self) -> FeedbackIn:
        if self.message_id is None and not (self.question and self.answer):
            raise ValueError("say which reply this is about: give message_id (a stored reply), or question and "
                             "answer")
        if self.reason is not None and self.rating != "down":
            raise ValueError("a reason goes with a thumbs-down (rating 'down')")
        return self


class PreferenceIn(BaseModel):
    """Two models' answers to one question, and which was better (``tie``, ``both_bad`` allowed)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_TEXT)
    model_a: str = Field(min_length=1, max_length=200)
    answer_a: str = Field(max_length=MAX_TEXT)
    model_b: str = Field(min_length=1, max_length=200)
    answer_b: str = Field(max_length=MAX_TEXT)
    winner: Literal["a", "b", "tie", "both_bad"]
    language: str | None = Field(default=None, max_length=16)


class ReasonInfo(BaseModel):
    id: str
    label: str


class SearchResults(BaseModel):
    query: str
    knowledge_base: str
    mode: str
    results: list[SearchResult]


class Listing(BaseModel, Generic[T]):
    """A list in OpenAI's shape."""

    object: Literal["list"] = "list"
    data: list[T]
