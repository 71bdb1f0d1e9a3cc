"""A fake clock and fake models for the gateway's routing, fallback and adaptive-limit tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from medchat.types import ChatRequest, Chunk
from tests.scripted import ScriptedModel


class FakeClock:
    """Seconds that move only when a (fake) sleep waits or a test says so."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.delays: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        self.now += delay
        await asyncio.sleep(0)  # let others run, as a real sleep would


class Slow(ScriptedModel):
    """A scripted model whose every answer takes ``latency`` fake seconds."""

    def __init__(self, *steps: Any, clock: FakeClock, latency: float, **kwargs: Any) -> None:
        super().__init__(*steps, **kwargs)
        self.clock = clock
        self.latency = latency

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        self.clock.now += self.latency
        async for chunk in super()._stream(request):
            yield chunk


async def settle() -> None:
    """Let every task that can run do so."""
    for _ in range(20):
        await asyncio.sleep(0)
