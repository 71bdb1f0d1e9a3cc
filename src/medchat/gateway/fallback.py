"""Other models when the one asked cannot answer.

``fallbacks`` are tried in order when the model is unavailable — its retries spent on 429s, 5xx, timeouts, cut
answers, or every deployment cooling down — and ``context_window_fallbacks`` when the prompt is too long for it
(``ContextWindowExceededError``). A bad request (or a wrong key) goes to the caller at once: another model would
refuse it too, or hide a mistake in the settings. The answer says who gave it (``model``) and why
(``fallback = {"from": <the model asked>, "to": <the one that answered>, "reason": ...}``; a stream's first and
final chunks carry it, so the server can say so in its headers); each try is told to ``events.on_fallback``
listeners (the server's ``medchat_fallbacks_total``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing

from medchat.errors import (
    ContextWindowExceededError,
    IncompleteResponseError,
    MedchatError,
    RateLimitError,
    StreamInterruptedError,
    TimeoutError,
)
from medchat.gateway.events import fallback_tried
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, Chunk, Completion

log = logging.getLogger("medchat.gateway")


def fallback_reason(error: MedchatError) -> str | None:
    """Why a model is passed over for the next one (a bounded label), or ``None``: the error goes to the caller."""
    if isinstance(error, ContextWindowExceededError):
        return "context_window"
    if not error.retryable:
        return None
    if isinstance(error, RateLimitError):
        return "rate_limited"
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, StreamInterruptedError | IncompleteResponseError):
        return "interrupted"
    return "unavailable"


class Fallback(ModelWrapper):
    """``inner`` first; on an availability error each of ``fallbacks``, on a context-window error each of
    ``context_window_fallbacks``, in order. Each model is a whole stack with its own retries, so a fallback is
    tried once the one before it has given up. A stream moves on only before its first chunk."""

    def __init__(self, inner: ChatModel, *, fallbacks: Sequence[ChatModel] = (),
                 context_window_fallbacks: Sequence[ChatModel] = ()) -> None:
        super().__init__(inner)
        self.fallbacks = list(fallbacks)
        self.context_window_fallbacks = list(context_window_fallbacks)

    def _next(self, error: MedchatError, chain: list[ChatModel] | None, tried: int) -> tuple[list[ChatModel], str]:
        """The chain to follow (chosen by the first error) and why; raises ``error`` when nothing is left to try."""
        reason = fallback_reason(error)
        if reason is None:
            raise error
        if chain is None:
            chain = self.context_window_fallbacks if reason == "context_window" else self.fallbacks
        if tried >= len(chain):
            raise error
        following = chain[tried]
        log.warning("%s: %s; falling back to %s", self.name if tried == 0 else chain[tried - 1].name,
                    error.message, following.name)
        fallback_tried(self.name, following.name, reason)
        return chain, reason

    def _mark(self, reason: str | None, answered: ChatModel) -> dict[str, str] | None:
        return None if reason is None else {"from": self.name, "to": answered.name, "reason": reason}

    async def complete(self, request: ChatRequest) -> Completion:
        model, chain, first_reason, tried = self.inner, None, None, 0
        while True:
            try:
                completion = await model.complete(request)
            except MedchatError as error:
                chain, reason = self._next(error, chain, tried)
                first_reason = first_reason or reason
                model, tried = chain[tried], tried + 1
                continue
            if first_reason is None:
                return completion
            return completion.model_copy(update={"fallback": self._mark(first_reason, model)})

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model, chain, first_reason, tried = self.inner, None, None, 0
        while True:
            started = False
            try:
                async with aclosing(model.stream(request)) as chunks:  # type: ignore[type-var]
                    async for chunk in chunks:
                        if (chunk.final or not started) and first_reason is not None:
                            chunk = chunk.model_copy(update={"fallback": self._mark(first_reason, model)})
                        started = True
                        yield chunk
                return
            except MedchatError as error:
                if started:
                    raise  # text reached the caller: another model's answer would not continue it
                chain, reason = self._next(error, chain, tried)
                first_reason = first_reason or reason
                model, tried = chain[tried], tried + 1

    async def aclose(self) -> None:
        models = {id(model): model for model in [self.inner, *self.fallbacks, *self.context_window_fallbacks]}
        for model in models.values():  # one model may be in both chains
            await model.aclose()
