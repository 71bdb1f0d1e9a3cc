"""Every response-cache backend keeps the same promises: get by key, scope listing, TTL on the caller's clock,
least-recently-used eviction, stats and clear. The database backend runs on SQLite here (migration 0009); the
Redis one on a throwaway ``redis-server`` (skipped without one)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from medchat.gateway.cache import ResponseCache
from medchat.gateway.cache_store import MemoryBackend, read_stats
from medchat.types import ChatRequest
from tests.scripted import ScriptedModel


@pytest.fixture(params=["memory", "database", "redis"])
async def backend(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[object]:
    if request.param == "memory":
        yield MemoryBackend(max_entries=3)
    elif request.param == "database":
        from medchat.storage.cache_entries import DatabaseBackend
        from medchat.storage.db import Database

        database = Database(f"sqlite:///{tmp_path / 'cache.db'}")
        database.migrate()
        yield DatabaseBackend(database, max_entries=3)
        database.close()
    else:
        from medchat.storage.redis import aclose_async_clients
        from medchat.storage.redis_cache import RedisBackend

        url = request.getfixturevalue("redis_url")
        yield RedisBackend(url, max_entries=3)
        await aclose_async_clients()


async def test_round_trip_scope_ttl_and_stats(backend):
    await backend.put("k1", "s", "m/a", '{"text": "one"}', 100.0, 200.0)
    await backend.put("k2", "s", "m/b", '{"text": "two"}', 101.0, 150.0)
    assert await backend.get("k1", 120.0) == '{"text": "one"}'
    assert await backend.get("nope", 120.0) is None
    assert [s.key for s in await backend.scope("s", 120.0, 10)] == ["k1", "k2"]  # most recently used first
    assert await backend.scope("other", 120.0, 10) == []
    await backend.hit("k2", 130.0)
    assert await backend.get("k2", 160.0) is None  # past its expiry on the caller's clock
    stats = await read_stats(backend, 160.0)
    assert stats.entries == 1 and stats.by_model == {"m/a": 1} and stats.hits == 1 and stats.bytes > 0


async def test_replacing_an_entry_and_evicting_the_least_recently_used(backend):
    for i, key in enumerate(("a", "b", "c")):
        await backend.put(key, "s", "m", f'"{key}"', 10.0 + i, 1e9)
    await backend.put("a", "s", "m", '"a2"', 20.0, 1e9)  # replaced, and now the most recent
    await backend.get("b", 21.0)
    await backend.put("d", "s", "m", '"d"', 22.0, 1e9)  # one too many: c is the least recently used
    assert await backend.get("c", 23.0) is None
    assert await backend.get("a", 23.0) == '"a2"'
    assert {s.key for s in await backend.scope("s", 23.0, 10)} == {"a", "b", "d"}


async def test_clear_all_or_one_model(backend):
    await backend.put("a", "s", "m/one", '"a"', 1.0, 1e9)
    await backend.put("b", "", "m/two", '"b"', 2.0, 1e9)
    assert await backend.clear("m/one") == 1
    assert await backend.get("b", 3.0) == '"b"'
    assert await backend.clear() == 1
    assert (await read_stats(backend, 4.0)).entries == 0


async def test_the_cache_works_over_the_database(tmp_path):
    from medchat.storage.cache_entries import DatabaseBackend
    from medchat.storage.db import Database

    database = Database(f"sqlite:///{tmp_path / 'cache.db'}")
    database.migrate()
    inner = ScriptedModel("stored answer", "never")
    model = ResponseCache(inner, DatabaseBackend(database))
    request = ChatRequest.of("What is a fever?", temperature=0)
    await model.complete(request)
    again = await ResponseCache(ScriptedModel("never"), DatabaseBackend(database)).complete(request)  # another process
    assert again.cached and again.text == "stored answer " and len(inner.calls) == 1
    database.close()
