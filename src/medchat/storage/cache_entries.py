"""The response cache in the database (``[cache] backend = "database"``, table ``cache_entries``, migration 0009):
shared by every process on the same database, kept across restarts.

``DatabaseBackend`` has the gateway's ``CacheBackend`` shape (``gateway/cache_store.py``) without importing the
gateway: it speaks in keys, scopes and JSON strings. Each call is one short transaction on a worker thread; the
SQL is portable (no upsert dialects: a replaced entry is deleted and inserted in one transaction, and a racing
writer's duplicate key is ignored — both wrote the same answer).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from medchat.storage.db import Database, open_database
from medchat.storage.schema import CacheEntryRow

if TYPE_CHECKING:
    from medchat.config import Settings

log = logging.getLogger("medchat.storage.cache")


@dataclass(frozen=True)
class StoredEntry:
    """One live entry: the gateway reads ``key`` and ``value`` (the shape of ``cache_store.Stored``)."""

    key: str
    value: str


class DatabaseBackend:
    """Entries in ``cache_entries``; at most ``max_entries`` rows (least recently used go first)."""

    name = "database"

    def __init__(self, database: Database, max_entries: int = 10_000) -> None:
        self.database = database
        self.max_entries = max_entries

    @classmethod
    def from_settings(cls, settings: Settings) -> DatabaseBackend:
        return cls(open_database(settings), settings.cache.max_entries)

    # -- synchronous work (one transaction each) ---------------------------------------------------------
    def _get(self, key: str, now: float) -> str | None:
        with self.database.transaction() as session:
            value = session.scalar(select(CacheEntryRow.entry).where(CacheEntryRow.cache_key == key,
                                                                     CacheEntryRow.expires_at > now))
            if value is not None:
                session.execute(update(CacheEntryRow).where(CacheEntryRow.cache_key == key)
                                .values(hits=CacheEntryRow.hits + 1, last_used_at=now))
            return value

    def _scope(self, scope: str, now: float, limit: int) -> list[StoredEntry]:
        with self.database.session() as session:
            rows = session.execute(select(CacheEntryRow.cache_key, CacheEntryRow.entry)
                                   .where(CacheEntryRow.scope == scope, CacheEntryRow.expires_at > now)
                                   .order_by(CacheEntryRow.last_used_at.desc()).limit(limit)).all()
        return [StoredEntry(key, value) for key, value in rows]

    def _hit(self, key: str, now: float) -> None:
        with self.database.transaction() as session:
            session.execute(update(CacheEntryRow).where(CacheEntryRow.cache_key == key)
                            .values(hits=CacheEntryRow.hits + 1, last_used_at=now))

    def _put(self, key: str, scope: str, model: str, value: str, now: float, expires_at: float) -> None:
        try:
            with self.database.transaction() as session:
                session.execute(delete(CacheEntryRow).where(
                    (CacheEntryRow.cache_key == key) | (CacheEntryRow.expires_at <= now)))
                session.add(CacheEntryRow(cache_key=key, scope=scope, model=model[:200], entry=value, created_at=now,
                                          expires_at=expires_at, last_used_at=now, hits=0))
                session.flush()
                extra = (session.scalar(select(func.count()).select_from(CacheEntryRow)) or 0) - self.max_entries
                if extra > 0:
                    oldest = session.scalars(select(CacheEntryRow.cache_key)
                                             .order_by(CacheEntryRow.last_used_at, CacheEntryRow.created_at)
                                             .limit(extra)).all()
                    session.execute(delete(CacheEntryRow).where(CacheEntryRow.cache_key.in_(oldest)))
        except IntegrityError:
            log.debug("cache entry %s stored meanwhile by another writer", key)

    def _stats(self, now: float) -> dict[str, object]:
        with self.database.session() as session:
            live = CacheEntryRow.expires_at > now
            by_model = dict(session.execute(select(CacheEntryRow.model, func.count()).where(live)
                                            .group_by(CacheEntryRow.model)).all())
            hits, size = session.execute(select(func.coalesce(func.sum(CacheEntryRow.hits), 0),
                                                func.coalesce(func.sum(func.length(CacheEntryRow.entry)), 0))
                                         .where(live)).one()
            expired = session.scalar(select(func.count()).select_from(CacheEntryRow)
                                     .where(CacheEntryRow.expires_at <= now)) or 0
        return {"backend": self.name, "entries": sum(by_model.values()), "expired": expired, "hits": int(hits),
                "bytes": int(size), "by_model": by_model}

    def _clear(self, model: str | None) -> int:
        with self.database.transaction() as session:
            statement = delete(CacheEntryRow)
            if model is not None:
                statement = statement.where(CacheEntryRow.model == model)
            return session.execute(statement).rowcount or 0

    # -- the CacheBackend protocol ---------------------------------------------------------------------
    async def get(self, key: str, now: float) -> str | None:
        return await asyncio.to_thread(self._get, key, now)

    async def scope(self, scope: str, now: float, limit: int) -> list[StoredEntry]:
        return await asyncio.to_thread(self._scope, scope, now, limit)

    async def hit(self, key: str, now: float) -> None:
        await asyncio.to_thread(self._hit, key, now)

    async def put(self, key: str, scope: str, model: str, value: str, now: float, expires_at: float) -> None:
        await asyncio.to_thread(self._put, key, scope, model, value, now, expires_at)

    async def stats(self, now: float) -> dict[str, object]:
        """The fields of ``gateway.cache_store.CacheStats`` (storage does not import the gateway)."""
        return await asyncio.to_thread(self._stats, now)

    async def clear(self, model: str | None = None) -> int:
        return await asyncio.to_thread(self._clear, model)

    async def aclose(self) -> None:
        """The database belongs to ``open_database``'s cache, not to this backend."""
