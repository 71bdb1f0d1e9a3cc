"""Where the response cache keeps its entries: one small ``CacheBackend`` protocol and the in-process LRU.

A backend stores opaque JSON strings under a request's exact key, grouped by ``scope`` (the hash of everything
a semantic match must share: model, params, every message before the last user message), so the semantic matcher
asks for one scope's entries rather than scanning the whole cache. Time is the caller's (``now``, epoch seconds
from the cache's injectable clock), so TTLs behave the same, and are tested the same, on every backend.

Backends are listed by module path and imported on first use (``BACKENDS``), as the model registry lists
providers: the database backend lives in ``storage/`` and the Redis one needs ``redis``, neither of which the
gateway imports otherwise.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from medchat.config import Settings

BACKENDS = {
    "memory": "medchat.gateway.cache_store:MemoryBackend",
    "database": "medchat.storage.cache_entries:DatabaseBackend",
    "redis": "medchat.storage.redis_cache:RedisBackend",
}


class CacheStats(BaseModel):
    """What ``medchat cache stats`` prints."""

    backend: str
    entries: int = 0
    expired: int = 0  # stored, past their TTL, not yet purged
    hits: int = 0  # answers served from the entries now stored
    bytes: int = 0
    by_model: dict[str, int] = Field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    """One live entry as a backend returns it."""

    key: str
    value: str


class CacheBackend(Protocol):
    """Entries by exact key and by scope; every method takes the caller's ``now``."""

    name: str

    async def get(self, key: str, now: float) -> str | None:
        """The live entry's value (counted as a hit and as recently used), or ``None``."""
        ...

    async def scope(self, scope: str, now: float, limit: int) -> list[Stored]:
        """Up to ``limit`` live entries of ``scope``, most recently used first (not counted as hits)."""
        ...

    async def hit(self, key: str, now: float) -> None:
        """Count a semantic hit on ``key`` and mark it recently used."""
        ...

    async def put(self, key: str, scope: str, model: str, value: str, now: float, expires_at: float) -> None:
        """Store (or replace) an entry; past ``max_entries`` the least recently used ones go."""
        ...

    async def stats(self, now: float) -> CacheStats | dict[str, Any]:
        """``CacheStats`` or its fields (a backend in ``storage/`` does not import the gateway)."""
        ...

    async def clear(self, model: str | None = None) -> int:
        """Remove every entry (or one model's); how many went."""
        ...

    async def aclose(self) -> None: ...


@dataclass
class _Entry:
    scope: str
    model: str
    value: str
    expires_at: float
    hits: int = 0


class MemoryBackend:
    """An LRU in this process (an ``OrderedDict``, least recently used first); expired entries go when met."""

    name = "memory"

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._scopes: dict[str, OrderedDict[str, None]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> MemoryBackend:
        return cls(settings.cache.max_entries)

    def _live(self, key: str, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at <= now:
            self._drop(key)
            return None
        return entry

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            keys = self._scopes.get(entry.scope)
            if keys is not None:
                keys.pop(key, None)
                if not keys:
                    del self._scopes[entry.scope]

    def _touch(self, key: str, entry: _Entry) -> None:
        self._entries.move_to_end(key)
        self._scopes[entry.scope].move_to_end(key)

    async def get(self, key: str, now: float) -> str | None:
        entry = self._live(key, now)
        if entry is None:
            return None
        entry.hits += 1
        self._touch(key, entry)
        return entry.value

    async def scope(self, scope: str, now: float, limit: int) -> list[Stored]:
        found: list[Stored] = []
        for key in reversed(list(self._scopes.get(scope, ()))):
            entry = self._live(key, now)
            if entry is not None:
                found.append(Stored(key, entry.value))
                if len(found) >= limit:
                    break
        return found

    async def hit(self, key: str, now: float) -> None:
        entry = self._live(key, now)
        if entry is not None:
            entry.hits += 1
            self._touch(key, entry)

    async def put(self, key: str, scope: str, model: str, value: str, now: float, expires_at: float) -> None:
        self._drop(key)
        self._entries[key] = _Entry(scope, model, value, expires_at)
        self._scopes.setdefault(scope, OrderedDict())[key] = None
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    async def stats(self, now: float) -> CacheStats:
        stats = CacheStats(backend=self.name)
        for entry in self._entries.values():
            if entry.expires_at <= now:
                stats.expired += 1
                continue
            stats.entries += 1
            stats.hits += entry.hits
            stats.bytes += len(entry.value.encode())
            stats.by_model[entry.model] = stats.by_model.get(entry.model, 0) + 1
        return stats

    async def clear(self, model: str | None = None) -> int:
        keys = [key for key, entry in self._entries.items() if model is None or entry.model == model]
        for key in keys:
            self._drop(key)
        return len(keys)

    async def aclose(self) -> None:
        """Nothing to release: the entries live as long as the process (or the backend object)."""


_OPEN: dict[tuple[Any, ...], CacheBackend] = {}


def open_backend(settings: Settings) -> CacheBackend:
    """The backend ``[cache] backend`` names, one per process and configuration (so every model built by
    ``get_model`` shares it, and a model the server rebuilds finds its entries again)."""
    cache = settings.cache
    key = (cache.backend, cache.max_entries, settings.resolved_database_url() if cache.backend == "database" else None,
           getattr(settings, "redis_url", None) if cache.backend == "redis" else None)
    backend = _OPEN.get(key)
    if backend is None:
        module, _, attr = BACKENDS[cache.backend].partition(":")
        backend = _OPEN[key] = getattr(importlib.import_module(module), attr).from_settings(settings)
    return backend


async def read_stats(backend: CacheBackend, now: float) -> CacheStats:
    return CacheStats.model_validate(await backend.stats(now))


def forget_backends() -> None:
    """Drop the backends ``open_backend`` kept (tests; a changed configuration)."""
    _OPEN.clear()
