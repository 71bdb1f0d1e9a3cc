"""Per-key limits (rpm, tpm, concurrency) seen through the official ``openai`` SDK: 429 ``RateLimitError`` with
``Retry-After`` and OpenAI's ``x-ratelimit-*`` headers. The limiter's clock is a fake one the test moves, so
nothing waits; a release is awaited on an event the limiter sets, never on time. Each test runs with the
in-process limiter and with the Redis one replicas share (``server/redis_limits.py``, a throwaway redis-server)."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator

import httpx
import openai
import pytest

from medchat.models.base import ProviderModel
from medchat.models.registry import ModelSpec, register_provider
from medchat.server.limits import MemoryLimiter, RateLimited
from medchat.types import ChatRequest, Chunk, Usage

QUESTION = [{"role": "user", "content": "hello"}]


class Scripted(ProviderModel):
    """``limits-test/usage``: "ok" with 7 prompt + 3 completion tokens; ``limits-test/endless``: text, then
    nothing until the stream is closed."""

    provider = "limits-test"

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        yield Chunk(text="ok")
        if self.name.endswith("endless"):
            await asyncio.Event().wait()
        yield Chunk(final=True, finish_reason="stop", usage=Usage(prompt_tokens=7, completion_tokens=3))


@register_provider("limits-test", description="scripted answers for the limits tests", local=True)
def _create(spec: ModelSpec) -> Scripted:
    spec.done()
    return Scripted(spec.name)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Watched:
    """A limiter whose grants set ``released`` each time one is given back."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.released = threading.Event()

    async def acquire(self, key):  # type: ignore[no-untyped-def]
        return WatchedGrant(await self.inner.acquire(key), self.released)


class WatchedGrant:
    def __init__(self, grant, released: threading.Event) -> None:  # type: ignore[no-untyped-def]
        self.grant = grant
        self.released = released

    async def charge(self, tokens: int) -> None:
        await self.grant.charge(tokens)

    async def release(self) -> None:
        await self.grant.release()
        self.released.set()

    def snapshot(self):  # type: ignore[no-untyped-def]
        return self.grant.snapshot()


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request):
    """``make_limiter(clock)``: the in-process limiter, or the Redis one (on an emptied throwaway Redis)."""
    if request.param == "memory":
        return lambda clock: MemoryLimiter(clock=clock)
    from medchat.server.redis_limits import RedisLimiter

    url = request.getfixturevalue("redis_url")
    return lambda clock: RedisLimiter(url, clock=clock)


@pytest.fixture
def limited(serve, make_limiter):
    """``limited(**limits)`` -> (server, raw key, clock, limiter): a server with one key of those limits."""

    def start(**limits):
        running = serve()
        raw = running.create_key("limited", **limits)
        assert httpx.get(f"{running.url}/healthz").status_code == 200  # the app has started
        clock = Clock()
        limiter = Watched(make_limiter(clock))
        running.app.state.medchat.limits = limiter
        return running, raw, clock, limiter

    return start


def ask(client: openai.OpenAI, model: str = "limits-test/usage"):
    return client.chat.completions.with_raw_response.create(model=model, messages=QUESTION)


def test_rpm_over_the_limit_is_a_rate_limit_error_with_headers(limited):
    running, key, clock, _ = limited(rpm=2)
    client = running.client(api_key=key)
    first = ask(client)
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert first.headers["x-ratelimit-reset-requests"] == "1m0s"
    assert "x-ratelimit-limit-tokens" not in first.headers  # the key has no tpm
    assert first.parse().choices[0].message.content == "ok"
    clock.now += 15
    second = ask(client)
    assert second.headers["x-ratelimit-remaining-requests"] == "0"
    assert second.headers["x-ratelimit-reset-requests"] == "45s"
    with pytest.raises(openai.RateLimitError) as raised:
        ask(client)
    error = raised.value
    assert error.status_code == 429 and error.code == "rate_limit_exceeded" and error.type == "requests"
    assert error.response.headers["retry-after"] == "45"
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert error.response.headers["x-request-id"]
    clock.now += 45  # a new window
    assert ask(client).headers["x-ratelimit-remaining-requests"] == "1"


def test_the_sdk_honours_retry_after(limited, monkeypatch):
    """With ``max_retries=1`` the SDK sleeps for ``Retry-After`` and tries again: the sleep is faked to move the
    limiter's clock instead, so the retry lands in the next window."""
    running, key, clock, _ = limited(rpm=1)
    main = threading.current_thread()
    real_sleep = openai._base_client.time.sleep
    slept: list[float] = []

    def fake_sleep(seconds: float) -> None:
        if threading.current_thread() is not main:
            real_sleep(seconds)
            return
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(openai._base_client.time, "sleep", fake_sleep)
    client = openai.OpenAI(base_url=running.base_url, api_key=key, max_retries=1)
    client.chat.completions.create(model="limits-test/usage", messages=QUESTION)
    clock.now += 20
    answer = client.chat.completions.create(model="limits-test/usage", messages=QUESTION)
    assert answer.choices[0].message.content == "ok"
    assert slept == [40.0]  # Retry-After: the 40 s left of the window


def test_tpm_is_charged_from_usage(limited):
    running, key, clock, _ = limited(tpm=15)
    client = running.client(api_key=key)
    first = ask(client)  # 7 + 3 tokens, charged before the response starts
    assert first.headers["x-ratelimit-limit-tokens"] == "15"
    assert first.headers["x-ratelimit-remaining-tokens"] == "5"
    assert "x-ratelimit-limit-requests" not in first.headers
    stream = client.chat.completions.create(model="limits-test/usage", messages=QUESTION, stream=True,
                                            stream_options={"include_usage": True})
    assert [c.usage.total_tokens for c in stream if c.usage] == [10]  # admitted: 10 < 15; charged at its end
    with pytest.raises(openai.RateLimitError) as raised:
        ask(client)
    assert raised.value.type == "tokens" and raised.value.code == "rate_limit_exceeded"
    headers = raised.value.response.headers
    assert headers["x-ratelimit-remaining-tokens"] == "0" and headers["retry-after"] == "60"
    clock.now += 60
    assert ask(client).headers["x-ratelimit-remaining-tokens"] == "5"


def test_concurrency_limit_and_release_on_end_and_disconnect(limited):
    running, key, _, limiter = limited(concurrency=1)
    client = running.client(api_key=key)
    body = {"model": "limits-test/endless", "messages": QUESTION, "stream": True}
    headers = {"authorization": f"Bearer {key}"}
    with httpx.stream("POST", f"{running.base_url}/chat/completions", json=body, headers=headers) as response:
        assert response.status_code == 200
        lines = response.iter_lines()  # kept: closing this iterator would close the connection
        for line in lines:
            if "ok" in line:
                break
        with pytest.raises(openai.RateLimitError) as raised:  # the first stream holds the only slot
            client.chat.completions.create(model="limits-test/usage", messages=QUESTION, stream=True)
        assert raised.value.response.headers["retry-after"] == "1"
        assert not limiter.released.is_set()
    # Leaving the block disconnected the client: the server ends the response, which gives the slot back.
    assert limiter.released.wait(timeout=30)
    limiter.released.clear()
    chunks = list(client.chat.completions.create(model="limits-test/usage", messages=QUESTION, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "ok"
    assert limiter.released.wait(timeout=30)  # a stream that ended gives its slot back too
    assert ask(client).parse().choices[0].message.content == "ok"


def test_errors_do_not_leak_a_slot(limited):
    running, key, _, limiter = limited(concurrency=1)
    client = running.client(api_key=key)
    for _ in range(3):  # a 404 after the slot was taken: released each time, so the next is admitted
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="builtin/nothing", messages=QUESTION)
        assert limiter.released.wait(timeout=30)
        limiter.released.clear()


def test_open_server_and_keys_without_limits_are_not_limited(serve):
    running = serve()
    response = ask(running.client())
    assert not [name for name in response.headers if name.startswith("x-ratelimit")]
    key = running.create_key("unlimited")
    for _ in range(3):
        response = ask(running.client(api_key=key))
        assert not [name for name in response.headers if name.startswith("x-ratelimit")]


async def test_memory_limiter_windows():
    from datetime import UTC, datetime

    from medchat.storage.keys import ApiKey

    key = ApiKey(id="k", name="k", prefix="mc-x", created_at=datetime.now(UTC), expires_at=None, revoked_at=None,
                 rpm=1, tpm=None, concurrency=None, models=())
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    await (await limiter.acquire(key)).release()
    clock.now += 59.5
    with pytest.raises(RateLimited) as raised:
        await limiter.acquire(key)
    assert raised.value.api_error().headers["retry-after"] == "1"  # never 0
    assert raised.value.snapshot.headers()["x-ratelimit-reset-requests"] == "500ms"
    clock.now += 0.5
    grant = await limiter.acquire(key)
    await grant.release()
    await grant.release()  # twice is once
    assert limiter.in_flight("k") == 0


def test_every_protected_route_is_limited(limited):
    """Enumerates the app's routes (as ``test_auth`` does), so a route added later is limited like it is keyed."""
    from tests.server.test_auth import OPEN, api_routes

    running, key, _, _ = limited(rpm=1)
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=running.url, headers=headers) as http:
        assert http.get("/v1/models").status_code == 200  # the window's one request
        for full_path, route in api_routes(running.app):
            if full_path in OPEN:
                continue
            path = re.sub(r"\{[^}]+\}", "x", full_path)
            for method in route.methods:
                response = http.request(method, path, json={})
                assert response.status_code == 429, (method, path, response.text)
                assert int(response.headers["retry-after"]) >= 1
