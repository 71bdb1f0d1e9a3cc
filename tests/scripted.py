"""A ChatModel whose every call follows a script: for testing layers without any provider."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from medchat.models.base import ProviderModel
from medchat.types import ChatRequest, Chunk, Usage

# A step is: a str (reply text), an Exception (raised), ("partial", [texts], exc) (some text then exc),
# or "hang" (wait forever on an event).


class ScriptedModel(ProviderModel):
    provider = "scripted"

    def __init__(self, *steps: Any, name: str = "test/scripted", usage: Usage | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.steps = list(steps)
        self.calls: list[ChatRequest] = []
        self.usage = usage
        self.in_flight = 0
        self.max_in_flight = 0
        self.gate: asyncio.Event | None = None  # when set by a test, each call waits for it

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        self.calls.append(request)
        step = self.steps.pop(0) if self.steps else "ok"
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            if step == "hang":
                await asyncio.Event().wait()
            if isinstance(step, BaseException):
                raise step
            if isinstance(step, tuple) and step[0] == "partial":
                for text in step[1]:
                    yield Chunk(text=text)
                raise step[2]
            if isinstance(step, tuple) and step[0] == "silent-after":
                yield Chunk(text=step[1])
                await asyncio.Event().wait()
            for word in str(step).split(" "):
                yield Chunk(text=word + " ")
            yield Chunk(final=True, finish_reason="stop", usage=self.usage)
        finally:
            self.in_flight -= 1
