"""The ``ChatModel`` protocol and the base class that makes every provider measure the same way.

A provider only translates: it turns a ``ChatRequest`` into its SDK's call and yields text chunks plus
one final chunk with ``finish_reason`` and ``usage``. ``ProviderModel`` wraps that with the clock,
token estimates where a provider reports none, pricing, and default sampling params, so TTFT,
tokens/s and cost mean the same thing for a cloud API and a local GGUF file.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any, ClassVar, Protocol, runtime_checkable

from medchat.errors import ConfigError, StreamInterruptedError
from medchat.types import ChatRequest, Chunk, Completion, FinishReason, GenerationParams, Timing, Usage


@runtime_checkable
class ChatModel(Protocol):
    """Anything that answers chat requests: a provider, a gateway wrapper, the assistant."""

    name: str

    async def complete(self, request: ChatRequest) -> Completion:
        """The whole answer at once."""
        ...

    def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        """Text chunks as they come; the last chunk has ``final=True`` with usage and timing."""
        ...

    async def aclose(self) -> None:
        """Release connections, threads or model memory."""
        ...


class ProviderModel(ABC):
    """Base for provider adapters: subclasses implement ``_stream`` (and ``_complete`` if native)."""

    provider: ClassVar[str] = ""
    #: True when requests never leave this machine (no PII redaction needed, no cost).
    is_local: ClassVar[bool] = False

    def __init__(self, name: str, *, params: GenerationParams | None = None,
                 price: Any = None) -> None:
        self.name = name
        self.default_params = params or GenerationParams()
        self.price = price  # medchat.config.Price | None: None means "cost unknown"

    # -- what subclasses provide -------------------------------------------------------------------
    @abstractmethod
    def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        """Yield ``Chunk(text=...)`` pieces, then one ``Chunk(final=True, finish_reason, usage)``."""

    async def _complete(self, request: ChatRequest) -> Completion:
        """Non-streaming call; by default the stream, gathered."""
        parts: list[str] = []
        final: Chunk | None = None
        async with aclosing(self._stream(request)) as chunks:
            async for chunk in chunks:
                if chunk.final:
                    final = chunk
                else:
                    parts.append(chunk.text)
        if final is None:
            raise StreamInterruptedError("the stream ended before the model finished", model=self.name)
        return Completion(text="".join(parts), finish_reason=final.finish_reason or "unknown",
                          usage=final.usage or Usage(estimated=True), model=self.name)

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Nothing to release by default."""

    async def load(self) -> None:  # noqa: B027 - optional hook
        """Load weights ahead of the first request (local models); the gateway's timeout starts after it."""

    # -- the uniform public API --------------------------------------------------------------------
    def prepare(self, request: ChatRequest) -> ChatRequest:
        """Apply this model's default params under the request's own."""
        if not self.default_params.model_fields_set:
            return request
        return request.model_copy(update={"params": self.default_params.merged(request.params)})

    async def complete(self, request: ChatRequest) -> Completion:
        request = self.prepare(request)
        start = time.perf_counter()
        result = await self._complete(request)
        end = time.perf_counter()
        usage = self._usage_or_estimate(request, result.usage, result.text, pieces=None)
        timing = Timing.measure(start=start, first_token=None, end=end,
                                completion_tokens=usage.completion_tokens, streamed=False)
        return result.model_copy(update={
            "usage": usage, "timing": timing, "cost_usd": self.cost(usage), "model": self.name,
        })

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        request = self.prepare(request)
        start = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        final: Chunk | None = None
        async with aclosing(self._stream(request)) as chunks:  # a consumer that leaves stops the provider now
            async for chunk in chunks:
                if chunk.final:
                    final = chunk
                    break
                if not chunk.text:
                    continue
                if first is None:
                    first = time.perf_counter()
                parts.append(chunk.text)
                yield Chunk(text=chunk.text)
        end = time.perf_counter()
        if final is None:
            raise StreamInterruptedError(
                f"the stream ended after {len(parts)} chunks, before the model finished", model=self.name,
                hint="the connection was cut; try again")
        usage = self._usage_or_estimate(request, final.usage, "".join(parts), pieces=len(parts))
        yield Chunk(
            final=True,
            finish_reason=final.finish_reason or "unknown",
            usage=usage,
            timing=Timing.measure(start=start, first_token=first, end=end,
                                  completion_tokens=usage.completion_tokens),
            cost_usd=self.cost(usage),
            model=self.name,
        )

    # -- helpers -----------------------------------------------------------------------------------
    def cost(self, usage: Usage) -> float | None:
        if self.is_local:
            return 0.0
        if self.price is None:
            return None
        return (usage.prompt_tokens * self.price.input + usage.completion_tokens * self.price.output) / 1e6

    @staticmethod
    def _usage_or_estimate(request: ChatRequest, usage: Usage | None, text: str, *,
                           pieces: int | None) -> Usage:
        """Keep the provider's counts (or its own estimate); otherwise estimate (≈4 characters a token)."""
        if usage is not None and (usage.prompt_tokens or usage.completion_tokens):
            return usage
        prompt_chars = sum(len(m.content) for m in request.messages)
        completion = pieces if pieces is not None else max(round(len(text) / 4), 1 if text else 0)
        return Usage(prompt_tokens=max(round(prompt_chars / 4), 1), completion_tokens=completion,
                     estimated=True)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def is_loopback(url: str) -> bool:
    """True when ``url`` points at this machine (requests never leave it)."""
    import ipaddress
    from urllib.parse import urlparse

    host = urlparse(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def map_finish_reason(value: str | None) -> FinishReason:
    """Normalise the many spellings providers use ('STOP', 'MAX_TOKENS', 'eos', 'length'...)."""
    if value is None:
        return "unknown"
    v = value.lower()
    if v in {"stop", "eos", "end_turn", "stop_sequence", "eos_token", "finish_reason_stop"}:
        return "stop"
    if v in {"length", "max_tokens", "max_output_tokens", "model_length"}:
        return "length"
    if v in {"content_filter", "safety", "recitation", "blocklist", "prohibited_content", "spii",
             "image_safety", "image_prohibited_content", "image_recitation"}:
        return "content_filter"
    return "unknown"


async def collect(stream: AsyncIterator[Chunk]) -> Completion:
    """Gather a stream into a ``Completion`` (its final chunk holds the totals)."""
    parts: list[str] = []
    final: Chunk | None = None
    async with aclosing(stream) as chunks:  # type: ignore[type-var]
        async for chunk in chunks:
            if chunk.final:
                final = chunk
            else:
                parts.append(chunk.text)
    if final is None:
        raise StreamInterruptedError("the stream ended without its final chunk")
    return Completion(text="".join(parts), finish_reason=final.finish_reason or "unknown",
                      usage=final.usage or Usage(estimated=True), timing=final.timing or Timing(),
                      cost_usd=final.cost_usd, model=final.model or "", cached=final.cached,
                      fallback=final.fallback)


def reject_unknown_options(model: str, options: dict[str, Any]) -> None:
    """Providers call this with what they did not consume, so typos fail loudly."""
    if options:
        names = ", ".join(sorted(options))
        raise ConfigError(f"unknown option(s) for {model}: {names}",
                          hint="check the spelling in medchat.toml or the call")
