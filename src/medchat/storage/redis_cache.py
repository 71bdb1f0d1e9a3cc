"""The response cache in Redis (``[cache] backend = "redis"``, ``redis_url``): shared by every replica.

Keys under ``medchat:cache:`` (``storage.redis.SharedState``): ``e:<key>`` a hash (``scope``, ``model``, ``entry``,
``expires_at``, ``hits``) that Redis also expires itself; ``lru`` a sorted set of every key by last use (the
size limit pops its lowest); ``s:<scope>`` the same for one semantic scope. Like ``DatabaseBackend`` it has the
gateway's ``CacheBackend`` shape without importing the gateway, and checks ``expires_at`` against the caller's
clock as well as letting Redis drop the hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medchat.storage.redis import SharedState

if TYPE_CHECKING:
    from medchat.config import Settings


@dataclass(frozen=True)
class StoredEntry:
    key: str
    value: str


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBackend:
    name = "redis"

    def __init__(self, url: str | None = None, max_entries: int = 10_000, namespace: str = "cache") -> None:
        self.state = SharedState(namespace, url)
        self.max_entries = max_entries

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisBackend:
        return cls(settings.redis_url, settings.cache.max_entries)

    def _k(self, name: str) -> str:
        return self.state.key(name)

    async def _do(self, what: str, operation: Any) -> Any:
        return await self.state._do(what, operation)

    async def _forget(self, keys: list[str]) -> None:
        """Remove entries and their places in the LRU and scope sets."""
        if not keys:
            return
        client = self.state.client

        async def run() -> None:
            scopes = [await client.hget(self._k(f"e:{key}"), "scope") for key in keys]
            async with client.pipeline(transaction=True) as pipe:
                for key, scope in zip(keys, scopes, strict=True):
                    pipe.delete(self._k(f"e:{key}"))
                    pipe.zrem(self._k("lru"), key)
                    if scope is not None:
                        pipe.zrem(self._k(f"s:{_text(scope)}"), key)
                await pipe.execute()

        await self._do("forget", run)

    async def _touch(self, key: str, scope: str, now: float, count_hit: bool) -> None:
        client = self.state.client

        async def run() -> None:
            async with client.pipeline(transaction=True) as pipe:
                if count_hit:
                    pipe.hincrby(self._k(f"e:{key}"), "hits", 1)
                pipe.zadd(self._k("lru"), {key: now})
                pipe.zadd(self._k(f"s:{scope}"), {key: now})
                await pipe.execute()

        await self._do("touch", run)

    async def get(self, key: str, now: float) -> str | None:
        client = self.state.client
        found = await self._do("get", lambda: client.hmget(self._k(f"e:{key}"), "entry", "expires_at", "scope"))
        entry, expires_at, scope = found
        if entry is None:
            return None
        if float(expires_at) <= now:
            await self._forget([key])
            return None
        await self._touch(key, _text(scope), now, count_hit=True)
        return _text(entry)

    async def scope(self, scope: str, now: float, limit: int) -> list[StoredEntry]:
        client = self.state.client
        keys = [_text(k) for k in await self._do("scope", lambda: client.zrevrange(self._k(f"s:{scope}"), 0,
                                                                                   limit - 1))]
        if not keys:
            return []

        async def fetch() -> list[Any]:
            async with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hmget(self._k(f"e:{key}"), "entry", "expires_at")
                return list(await pipe.execute())

        found, gone = [], []
        for key, (entry, expires_at) in zip(keys, await self._do("scope", fetch), strict=True):
            if entry is None or float(expires_at) <= now:
                gone.append(key)
            else:
                found.append(StoredEntry(key, _text(entry)))
        await self._forget(gone)
        return found

    async def hit(self, key: str, now: float) -> None:
        scope = await self._do("hit", lambda: self.state.client.hget(self._k(f"e:{key}"), "scope"))
        if scope is not None:
            await self._touch(key, _text(scope), now, count_hit=True)

    async def put(self, key: str, scope: str, model: str, value: str, now: float, expires_at: float) -> None:
        client = self.state.client
        ttl_ms = max(int((expires_at - now) * 1000), 1)

        async def run() -> int:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(self._k(f"e:{key}"), mapping={"scope": scope, "model": model, "entry": value,
                                                        "expires_at": repr(expires_at), "hits": 0})
                pipe.pexpire(self._k(f"e:{key}"), ttl_ms)
                pipe.zadd(self._k("lru"), {key: now})
                pipe.zadd(self._k(f"s:{scope}"), {key: now})
                pipe.zcard(self._k("lru"))
                results = await pipe.execute()
            return int(results[-1])

        size = await self._do("put", run)
        if size > self.max_entries:
            oldest = await self._do("evict", lambda: client.zrange(self._k("lru"), 0, size - self.max_entries - 1))
            await self._forget([_text(k) for k in oldest])

    async def _all(self) -> list[tuple[str, list[Any]]]:
        client = self.state.client
        keys = [_text(k) for k in await self._do("list", lambda: client.zrange(self._k("lru"), 0, -1))]

        async def fetch() -> list[Any]:
            async with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hmget(self._k(f"e:{key}"), "model", "hits", "expires_at", "entry")
                return list(await pipe.execute())

        return list(zip(keys, await self._do("list", fetch), strict=True)) if keys else []

    async def stats(self, now: float) -> dict[str, Any]:
        stats: dict[str, Any] = {"backend": self.name, "entries": 0, "expired": 0, "hits": 0, "bytes": 0,
                                 "by_model": {}}
        for _, (model, hits, expires_at, entry) in await self._all():
            if entry is None or float(expires_at) <= now:
                stats["expired"] += 1
                continue
            name = _text(model)
            stats["entries"] += 1
            stats["hits"] += int(hits or 0)
            stats["bytes"] += len(entry)
            stats["by_model"][name] = stats["by_model"].get(name, 0) + 1
        return stats

    async def clear(self, model: str | None = None) -> int:
        keys = [key for key, (name, *_rest) in await self._all() if model is None or (name and _text(name) == model)]
        await self._forget(keys)
        return len(keys)

    async def aclose(self) -> None:
        """The clients belong to ``storage.redis`` (one per event loop), closed there."""
