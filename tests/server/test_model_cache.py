"""``ModelCache`` keeps at most ``server.max_loaded_models`` models: the least recently used one goes, and is
closed (``aclose``) once no request holds it — at once when idle, after the last response using it otherwise."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import ClassVar

import httpx
import pytest

from medchat.config import get_settings
from medchat.models.base import ProviderModel
from medchat.models.registry import ModelSpec, register_provider
from medchat.server.state import ModelCache
from medchat.types import ChatRequest, Chunk, Usage


class Recorded(ProviderModel):
    """``cache-test/<name>``: answers "ok"; ``cache-test/gated`` waits for ``gate`` after its first chunk.
    Each close is recorded (``aclose`` of the model under the gateway's wrappers)."""

    provider = "cache-test"
    is_local = True
    closed: ClassVar[list[str]] = []
    closed_event: ClassVar[dict[str, threading.Event]] = defaultdict(threading.Event)
    gate: ClassVar[threading.Event] = threading.Event()

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        yield Chunk(text="ok")
        if self.name.endswith("/gated"):
            assert await asyncio.to_thread(self.gate.wait, 60), "the test never opened the gate"
            yield Chunk(text=" then done")
        yield Chunk(final=True, finish_reason="stop", usage=Usage(prompt_tokens=1, completion_tokens=1))

    async def aclose(self) -> None:
        self.closed.append(self.name)
        self.closed_event[self.name].set()


@register_provider("cache-test", description="records when it is closed")  # not a file: servable
def _create(spec: ModelSpec) -> Recorded:
    spec.done()
    return Recorded(spec.name)


@pytest.fixture(autouse=True)
def fresh():
    Recorded.closed.clear()
    Recorded.closed_event.clear()
    Recorded.gate.clear()
    yield
    Recorded.gate.set()


def cache(capacity: int) -> ModelCache:
    settings = get_settings()
    return ModelCache(settings.model_copy(update={"server": settings.server.model_copy(
        update={"max_loaded_models": capacity})}))


async def test_the_least_recently_used_model_is_evicted_and_closed():
    models = cache(2)
    a = await models.get("cache-test/a")
    await models.get("cache-test/b")
    assert await models.get("cache-test/a") is a  # a hit: a is now the most recently used
    await models.get("cache-test/c")  # over the bound: b goes, not a
    assert models.loaded() == ["cache-test/a", "cache-test/c"] and Recorded.closed == ["cache-test/b"]
    assert await models.get("cache-test/b") is not None  # built again on demand; now a is the oldest
    assert models.loaded() == ["cache-test/c", "cache-test/b"] and Recorded.closed == ["cache-test/b", "cache-test/a"]
    await models.aclose()
    assert sorted(Recorded.closed[2:]) == ["cache-test/b", "cache-test/c"]


async def test_an_evicted_model_in_use_is_closed_when_its_last_user_lets_go():
    models = cache(1)
    async with models.lease("cache-test/a") as a, models.lease("cache-test/a") as again:
        assert again is a
        await models.get("cache-test/b")  # evicts a, which two requests still hold
        assert models.loaded() == ["cache-test/b"] and Recorded.closed == []
        async with models.lease("cache-test/a") as rebuilt:  # a new a; evicts b (idle: closed at once)
            assert rebuilt is not a and Recorded.closed == ["cache-test/b"]
        assert Recorded.closed == ["cache-test/b"]  # the new a is cached and idle: kept
    assert Recorded.closed == ["cache-test/b", "cache-test/a"]  # the old a, once both holders left
    assert models.loaded() == ["cache-test/a"]


def test_the_server_keeps_a_streaming_model_open_until_its_stream_ends(serve):
    running = serve(max_loaded_models=1)
    body = {"model": "cache-test/gated", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with httpx.Client(base_url=running.url, timeout=60) as http:
        with http.stream("POST", "/v1/chat/completions", json=body) as stream:
            lines = stream.iter_lines()
            for line in lines:
                if '"ok"' in line:
                    break
            other = http.post("/v1/chat/completions", json={**body, "model": "cache-test/other", "stream": False})
            assert other.status_code == 200 and other.json()["choices"][0]["message"]["content"] == "ok"
            assert running.app.state.medchat.models.loaded() == ["cache-test/other"]  # gated was evicted...
            assert "cache-test/gated" not in Recorded.closed  # ...but its stream still runs: not closed
            Recorded.gate.set()
            rest = [line for line in lines if line]
        assert rest[-1] == "data: [DONE]" and any("then done" in line for line in rest)
    assert Recorded.closed_event["cache-test/gated"].wait(timeout=30)  # closed after the stream's end
    assert Recorded.closed == ["cache-test/gated"]
