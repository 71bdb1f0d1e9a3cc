"""Per-key limits in Redis as replicas see them: two limiters (two replicas) count against one window and one
set of slots; a replica that died holding slots gives them back when their lease ends; Redis out of reach is a
503, and a server with ``redis_url`` uses Redis or refuses to start. The HTTP behaviour (429s, headers, release
on disconnect) is ``test_limits.py``'s, which runs on this limiter too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from medchat.config import get_settings
from medchat.server.errors import ApiError
from medchat.server.limits import RateLimited
from medchat.server.redis_limits import RedisLimiter
from medchat.storage.keys import ApiKey
from medchat.storage.redis import aclose_async_clients


def api_key(**limits: int) -> ApiKey:
    return ApiKey(id="k1", name="shared", prefix="mc-x", created_at=datetime.now(UTC), expires_at=None,
                  revoked_at=None, rpm=limits.get("rpm"), tpm=limits.get("tpm"),
                  concurrency=limits.get("concurrency"), models=())


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[RedisLimiter, RedisLimiter, Clock]]:
    clock = Clock()
    yield RedisLimiter(redis_url, clock=clock), RedisLimiter(redis_url, clock=clock, lease_s=30), clock
    await aclose_async_clients()


async def test_two_replicas_share_one_window_of_requests_and_tokens(replicas):
    a, b, clock = replicas
    key = api_key(rpm=3, tpm=100)
    first = await a.acquire(key)
    await first.charge(60)
    assert first.snapshot().tokens_left == 40
    second = await b.acquire(key)
    assert second.snapshot().requests_left == 1 and second.snapshot().tokens_left == 40
    await second.charge(50)  # 110 of 100: the next request waits for the window's end
    with pytest.raises(RateLimited) as raised:
        await a.acquire(key)
    assert raised.value.kind == "tokens" and "limit 100, used 110" in str(raised.value)
    clock.now += 60
    third = await a.acquire(key)
    assert third.snapshot().requests_left == 2 and third.snapshot().tokens_left == 100


async def test_concurrency_slots_are_shared_and_a_dead_replicas_come_back_after_its_lease(replicas):
    a, b, clock = replicas
    key = api_key(concurrency=2)
    await b.acquire(key)  # b "dies" holding this one (lease 30 s)
    held = await a.acquire(key)
    with pytest.raises(RateLimited) as raised:
        await a.acquire(key)
    assert raised.value.kind == "concurrency" and raised.value.retry_after_s == 1
    await held.release()
    await held.release()  # twice is once
    again = await a.acquire(key)
    with pytest.raises(RateLimited):
        await b.acquire(key)
    clock.now += 31  # b's lease ended: its slot is free, a's (600 s) is still held
    await b.acquire(key)
    await again.release()


async def test_unreachable_redis_is_a_503():
    limiter = RedisLimiter("redis://127.0.0.1:1/0")
    with pytest.raises(ApiError) as raised:
        await limiter.acquire(api_key(rpm=1))
    await aclose_async_clients()
    assert raised.value.status == 503 and raised.value.code == "rate_limits_unavailable"
    assert "127.0.0.1:1" in raised.value.message


def test_a_server_with_redis_url_limits_through_redis(serve, redis_url, monkeypatch):
    monkeypatch.setenv("MEDCHAT_REDIS_URL", redis_url)
    get_settings.cache_clear()
    running = serve()
    key = running.create_key("one-a-minute", rpm=1)
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=running.url, headers=headers) as http:
        assert http.get("/v1/models").status_code == 200
        assert isinstance(running.app.state.medchat.limits, RedisLimiter)
        assert http.get("/v1/models").status_code == 429


def test_a_server_whose_redis_is_unreachable_does_not_start(monkeypatch):
    from fastapi.testclient import TestClient

    from medchat.server.app import create_app
    from medchat.storage.redis import SharedStateError

    monkeypatch.setenv("MEDCHAT_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    with pytest.raises(SharedStateError, match="starting medchat serve"), TestClient(create_app(get_settings())):
        pass
