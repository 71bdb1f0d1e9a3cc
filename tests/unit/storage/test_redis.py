"""``storage/redis.py``: the shared-state API other parts build on (cache, AIMD limits), on a throwaway Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from medchat.config import get_settings
from medchat.errors import ConfigError
from medchat.storage.redis import (
    SharedState,
    SharedStateError,
    aclose_async_clients,
    async_client,
    close_sync_clients,
    display_url,
    sync_client,
)


@pytest.fixture
async def state(redis_url: str) -> AsyncIterator[SharedState]:
    yield SharedState("test", redis_url)
    await aclose_async_clients()
    close_sync_clients()


async def test_values_json_expiry_and_only_new(state: SharedState, redis_url: str):
    assert await state.get("missing") is None
    assert await state.set("a", b"\x00bytes")
    assert await state.get("a") == b"\x00bytes"
    assert not await state.set("a", "other", only_new=True)  # taken: left as it was
    assert await state.get("a") == b"\x00bytes"
    assert await state.set_json("j", {"text": "发烧", "n": [1, 2]}, ttl_s=30)
    assert await state.get_json("j") == {"text": "发烧", "n": [1, 2]}
    assert 0 < await state.client.pttl(state.key("j")) <= 30_000
    assert sync_client(redis_url).get("medchat:test:a") == b"\x00bytes"  # the namespace, seen by a blocking client
    assert await state.delete("a", "j", "never") == 2
    assert await state.get_json("j") is None


async def test_counters_are_atomic_and_keep_their_first_expiry(state: SharedState):
    counts = await asyncio.gather(*(state.incr("calls", ttl_s=60) for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))
    first = await state.client.pttl(state.key("calls"))
    assert 0 < first <= 60_000
    assert await state.incr("calls", 5, ttl_s=3600) == 25
    assert await state.client.pttl(state.key("calls")) <= first  # not pushed back by later increments


async def test_publish_reaches_every_subscriber(state: SharedState, redis_url: str):
    other = SharedState("test", redis_url)  # another replica
    async with state.subscribe("evict") as mine, other.subscribe("evict") as theirs:
        assert await state.publish("evict", "key-1") == 2
        assert await asyncio.wait_for(anext(mine), 10) == b"key-1"
        assert await asyncio.wait_for(anext(theirs), 10) == b"key-1"


async def test_one_client_per_event_loop(redis_url: str):
    client = async_client(redis_url)
    assert async_client(redis_url) is client
    other: list[object] = []

    def in_another_loop() -> None:
        async def make() -> None:
            other.append(async_client(redis_url))
            await aclose_async_clients()

        asyncio.run(make())

    await asyncio.to_thread(in_another_loop)
    assert other[0] is not client
    await aclose_async_clients()


async def test_an_unreachable_redis_is_one_line_naming_it_without_its_password():
    state = SharedState("test", "redis://me:s3cret@127.0.0.1:1/0")
    with pytest.raises(SharedStateError) as raised:
        await state.get("x")
    await aclose_async_clients()
    message = str(raised.value)
    assert "\n" not in message and "127.0.0.1:1" in message and "s3cret" not in message
    assert display_url("redis://me:s3cret@host:6379/0") == "redis://me:***@host:6379/0"
    assert display_url("redis://:s3cret@host/0") == "redis://***@host/0"


def test_shared_state_needs_redis_url(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ConfigError, match="redis_url"):
        SharedState("cache")
    monkeypatch.setenv("MEDCHAT_REDIS_URL", "redis://127.0.0.1:6379/2")
    get_settings.cache_clear()
    assert SharedState("cache").url == "redis://127.0.0.1:6379/2"
    with pytest.raises(ValueError, match="namespace"):
        SharedState("a:b")
