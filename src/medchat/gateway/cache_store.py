"""Where the response cache keeps its entries: one small ``CacheBackend`` protocol and the in-process LRU.

A backend stores opaque JSON strings under a request's exact key, grouped by ``scope`` (the hash of everything
a semantic match must share: model, params, every message before the last user message), so the semantic matcher
asks for one scope's entries rather than scanning the whole cache. Time is the caller's (``now``, epoch seconds
from the cache's injectable clock), so TTLs behave the same, and are tested the same, on every backend.

The database and Redis backends live in ``storage/`` (``storage.gateway_stores``), which the gateway does not
import: the caller lends them (``get_model(..., stores=...)``, ``gateway/shared.py``); without them the cache is
this process's LRU.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from medchat.config import Settings
    from medchat.gateway.shared import SharedStores


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


def open_backend(settings: Settings, stores: SharedStores | None = None) -> CacheBackend:
    """The backend ``[cache] backend`` names, one per process and configuration (so every model built by
    ``get_model`` shares it, and a model the server rebuilds finds its entries again). ``database`` and ``redis``
    come from ``stores`` (lent by the caller); without them, this process's LRU."""
    cache = settings.cache
    backend_name = cache.backend
    if backend_name != "memory" and stores is None:
        from medchat.gateway.shared import not_lent

        not_lent("the response cache", f'[cache] backend = "{backend_name}"')
        backend_name = "memory"
    key = (backend_name, cache.max_entries, settings.resolved_database_url() if backend_name == "database" else None,
           getattr(settings, "redis_url", None) if backend_name == "redis" else None)
    backend = _OPEN.get(key)
    if backend is None:
        backend = _OPEN[key] = (MemoryBackend.from_settings(settings) if backend_name == "memory"
                                else stores.cache_backend(settings))  # type: ignore[union-attr]
    return backend


async def read_stats(backend: CacheBackend, now: float) -> CacheStats:
    return CacheStats.model_validate(await backend.stats(now))


def forget_backends() -> None:
    """Drop the backends ``open_backend`` kept (tests; a changed configuration)."""
    _OPEN.clear()
