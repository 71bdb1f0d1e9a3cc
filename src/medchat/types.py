"""The shared vocabulary every layer speaks: messages, requests, completions and stream chunks.

Everything here is a pydantic model so it can cross process and network boundaries (server, eval
database, ``--json`` output) without custom encoders.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

Role = Literal["system", "user", "assistant"]
FinishReason = Literal["stop", "length", "content_filter", "error", "unknown"]


class Message(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str

    @classmethod
    def system(cls, content: str) -> Message:
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str) -> Message:
        return cls(role="assistant", content=content)


class GenerationParams(BaseModel):
    """Sampling settings; ``None`` means "the provider's default", so nothing is sent for it."""

    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    top_k: int | None = Field(default=None, ge=1)
    max_tokens: int | None = Field(default=None, ge=1)
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    repetition_penalty: float | None = Field(default=None, gt=0.0)
    # Ask for one JSON object matching this JSON Schema: constrained decoding where the provider has it
    # (llama.cpp grammar, OpenAI-compatible response_format, Gemini response schema, HF grammar); local
    # transformers models get no constraint. LLM judges use it so even a tiny local judge returns JSON.
    json_schema: dict[str, Any] | None = None

    def merged(self, other: GenerationParams | None) -> GenerationParams:
        """Values set in ``other`` win over ours (e.g. per-request over per-model defaults)."""
        if other is None:
            return self
        return self.model_copy(update=other.model_dump(exclude_unset=True))


class ChatRequest(BaseModel):
    """What a caller asks of a model: the conversation so far plus sampling settings."""

    messages: list[Message] = Field(min_length=1)
    params: GenerationParams = Field(default_factory=GenerationParams)
    metadata: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def of(cls, prompt: str, *, system: str | None = None, **params: object) -> ChatRequest:
        """Shorthand for a single-question request: ``ChatRequest.of("Hi", max_tokens=20)``."""
        messages = [Message.system(system)] if system else []
        messages.append(Message.user(prompt))
        return cls(messages=messages, params=GenerationParams.model_validate(params))

    @property
    def system_prompt(self) -> str | None:
        """All system messages joined, for providers that take one system instruction."""
        parts = [m.content for m in self.messages if m.role == "system"]
        return "\n\n".join(parts) if parts else None

    @property
    def turns(self) -> list[Message]:
        """The conversation without system messages."""
        return [m for m in self.messages if m.role != "system"]


class Usage(BaseModel):
    """Token counts; ``estimated`` is true when the provider gave none and we counted ourselves."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Timing(BaseModel):
    """Client-side measurements, taken the same way for every provider.

    - ``ttft_s``: request start to the first non-empty text (equal to ``total_s`` without streaming);
    - ``total_s``: request start to the last byte;
    - ``tpot_s``: time per output token after the first, ``(total − ttft) / (completion_tokens − 1)``;
    - ``tokens_per_s``: output throughput, ``completion_tokens / total_s``.

    Those four describe the attempt that answered. The gateway's ``Retry`` adds what the caller lived through:

    - ``e2e_s``: end to end, from the first attempt's start to this answer's last byte — failed attempts,
      timeouts and the backoff between them included; waiting for a slot on a busy local engine and loading
      weights left out, as for ``total_s`` (``None`` when no ``Retry`` measured the call);
    - ``attempts``: the tries it took, the answering one included.
    """

    ttft_s: float | None = None
    total_s: float = 0.0
    tpot_s: float | None = None
    tokens_per_s: float | None = None
    e2e_s: float | None = None
    attempts: int = Field(default=1, ge=1)

    @classmethod
    def measure(cls, *, start: float, first_token: float | None, end: float, completion_tokens: int,
                streamed: bool = True) -> Timing:
        """Build from ``time.perf_counter()`` readings; without streaming TTFT is the total time."""
        total = max(end - start, 0.0)
        ttft = None if first_token is None else max(first_token - start, 0.0)
        if not streamed:
            ttft = total
        tpot = None
        if streamed and ttft is not None and completion_tokens > 1:
            tpot = max(total - ttft, 0.0) / (completion_tokens - 1)
        tps = completion_tokens / total if total > 0 and completion_tokens > 0 else None
        return cls(ttft_s=ttft, total_s=total, tpot_s=tpot, tokens_per_s=tps)


class Completion(BaseModel):
    """A finished answer with everything needed to compare models: usage, timing, cost."""

    text: str
    finish_reason: FinishReason = "stop"
    usage: Usage = Field(default_factory=Usage)
    timing: Timing = Field(default_factory=Timing)
    cost_usd: float | None = None
    model: str
    cached: bool = False
    #: set when a fallback answered: ``{"from": <the model asked>, "to": <the one that answered>, "reason": <why
    #: the one asked was passed over>}``
    fallback: dict[str, str] | None = None


class Chunk(BaseModel):
    """One piece of a streamed answer.

    Every chunk but the last carries only ``text``. The last has ``final=True`` and the totals
    (``finish_reason``, ``usage``, ``timing``, ``cost_usd``), so a consumer that only prints text can
    ignore it and one that needs numbers can read them without a second call.
    """

    text: str = ""
    final: bool = False
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    timing: Timing | None = None
    cost_usd: float | None = None
    model: str | None = None
    cached: bool = False
    fallback: dict[str, str] | None = None  # first and final chunk: as ``Completion.fallback``

    @model_validator(mode="after")
    def _final_has_totals(self) -> Chunk:
        if self.final and self.usage is None:
            self.usage = Usage(estimated=True)
        return self
