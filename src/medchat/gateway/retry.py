"""Retries with exponential backoff and jitter, honouring the provider's ``Retry-After``."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing

from medchat.errors import MedchatError, RateLimitError
from medchat.gateway.clock import CallClock
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, Chunk, Completion, Timing

log = logging.getLogger("medchat.gateway")


class Retry(ModelWrapper):
    """Try again on retryable errors (429, 5xx, timeouts, refused or reset connections, cut or unreadable
    answers).

    A stream is retried only while it has yielded nothing: once text reached the caller, a retry
    would duplicate it, so the error goes up instead.

    The answer's ``Timing`` keeps the answering attempt's own numbers and gains ``attempts`` and ``e2e_s``
    (the whole wait, failed attempts and backoff included; see ``gateway/clock.py``), so what a retry cost
    is stored with the answer rather than lost.
    """

    def __init__(
        self,
        inner: ChatModel,
        *,
        max_attempts: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        jitter: float = 0.25,
        max_retry_after_s: float = 120.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(inner)
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.jitter = jitter
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep
        self._rng = rng
        self._clock = clock

    def delay(self, attempt: int, error: MedchatError) -> float:
        """Seconds to wait before try ``attempt + 1``."""
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return error.retry_after
        base = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        return max(0.0, base * (1 + self.jitter * (2 * self._rng() - 1)))

    def _should_retry(self, attempt: int, error: MedchatError) -> float | None:
        if not error.retryable or attempt >= self.max_attempts:
            return None
        wait = self.delay(attempt, error)
        if wait > self.max_retry_after_s:
            return None  # the provider asks for a long pause: tell the user rather than hang
        log.warning("%s: %s; retry %d/%d in %.2fs", self.name, error.message, attempt,
                    self.max_attempts - 1, wait)
        return wait

    async def complete(self, request: ChatRequest) -> Completion:
        clock = CallClock(self._clock)
        attempt = 0
        while True:
            attempt += 1
            try:
                with clock.current():
                    completion = await self.inner.complete(request)
                return completion.model_copy(update={"timing": _totals(completion.timing, clock, attempt)})
            except MedchatError as error:
                wait = self._should_retry(attempt, error)
                if wait is None:
                    raise
            await self._sleep(wait)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        clock = CallClock(self._clock)
        attempt = 0
        while True:
            attempt += 1
            started = False
            try:
                async with aclosing(self.inner.stream(request)) as chunks:  # type: ignore[type-var]
                    while True:
                        with clock.current():  # only while the inner stream runs: not while the consumer does
                            try:
                                chunk = await anext(chunks)
                            except StopAsyncIteration:
                                break
                        started = True
                        if chunk.final:
                            chunk = chunk.model_copy(update={"timing": _totals(chunk.timing, clock, attempt)})
                        yield chunk
                return
            except MedchatError as error:
                wait = None if started else self._should_retry(attempt, error)
                if wait is None:
                    raise
            await self._sleep(wait)


def _totals(timing: Timing | None, clock: CallClock, attempts: int) -> Timing:
    """The answering attempt's timing with the whole call's end-to-end time and number of attempts."""
    return (timing or Timing()).model_copy(update={"e2e_s": clock.elapsed(), "attempts": attempts})
