"""Timeouts and a cap on concurrent requests, the same for every provider."""

from __future__ import annotations

import asyncio
import builtins
import weakref
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import Any

from medchat.errors import TimeoutError
from medchat.gateway.clock import not_waiting
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, Chunk, Completion


class Timeout(ModelWrapper):
    """``complete`` must finish within ``timeout_s``; a stream must not go silent for longer.

    Streams get a gap timeout rather than a total one: a long answer that keeps producing tokens is
    healthy, a stream that stops producing them is not.
    """

    def __init__(self, inner: ChatModel, timeout_s: float) -> None:
        super().__init__(inner)
        self.timeout_s = timeout_s

    def _error(self, what: str) -> TimeoutError:
        return TimeoutError(f"{what} within {self.timeout_s:g}s", model=self.name,
                            hint="raise timeout_s in medchat.toml (or MEDCHAT_TIMEOUT_S) or try later")

    async def _load(self) -> None:
        """Loading weights is not waiting for an answer: a local model loads before the clock starts."""
        load = getattr(self.inner, "load", None)
        if load is not None:
            with not_waiting():
                await load()

    async def complete(self, request: ChatRequest) -> Completion:
        await self._load()
        try:
            async with asyncio.timeout(self.timeout_s):
                return await self.inner.complete(request)
        except TimeoutError:
            raise
        except builtins.TimeoutError:
            raise self._error("no answer") from None

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        await self._load()
        iterator = aiter(self.inner.stream(request))
        received = 0
        try:
            while True:
                try:
                    async with asyncio.timeout(self.timeout_s):
                        chunk = await anext(iterator)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise
                except builtins.TimeoutError:
                    raise self._error("no first token" if not received else "no next token") from None
                received += 1
                yield chunk
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()


# Shared semaphores per event loop (weakly held: a finished loop's entries go with it).
_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, asyncio.Semaphore]] = \
    weakref.WeakKeyDictionary()


class ConcurrencyLimit(ModelWrapper):
    """At most ``limit`` requests in flight; the rest wait their turn (a stream holds its slot).

    Models that share one engine in this process (every ``builtin/smollm2`` object uses the same loaded
    llama.cpp context) declare the same ``concurrency_key``; their wrappers then share one semaphore per
    event loop, so a request waits here — outside the timeout and outside the model's own timing —
    rather than on the engine's lock, where the wait would count as time to first token.
    """

    def __init__(self, inner: ChatModel, limit: int) -> None:
        super().__init__(inner)
        self.limit = limit
        self._own = asyncio.Semaphore(limit)

    @property
    def _semaphore(self) -> asyncio.Semaphore:
        key = getattr(self.inner, "concurrency_key", None)
        if key is None:
            return self._own
        loop = asyncio.get_running_loop()
        shared = _SHARED.setdefault(loop, {})
        if key not in shared:
            shared[key] = asyncio.Semaphore(self.limit)
        return shared[key]

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Hold a slot; the wait for it is queueing, not the answer's time (``e2e_s`` leaves it out)."""
        semaphore = self._semaphore
        with not_waiting():
            await semaphore.acquire()
        try:
            yield
        finally:
            semaphore.release()

    async def complete(self, request: ChatRequest) -> Completion:
        async with self._slot():
            return await self.inner.complete(request)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        async with self._slot(), aclosing(self.inner.stream(request)) as chunks:  # type: ignore[type-var]
            async for chunk in chunks:
                yield chunk
