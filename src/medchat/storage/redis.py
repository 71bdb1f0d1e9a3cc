"""Redis: the state that replicas of ``medchat serve`` must share and that does not belong in the database.

The database (``database_url``) holds what must last: conversations, runs, keys. Redis (``redis_url``,
``MEDCHAT_REDIS_URL``) holds what is counted or remembered for a short while and must be the same for every
replica: per-key rate-limit windows (``server/redis_limits.py``), a response cache, a shared concurrency limit.
Without ``redis_url`` each process keeps its own in memory, which is right for one process.

Clients are made on first use, never at import (``redis`` is imported then):

- ``async_client(url)``: a ``redis.asyncio.Redis`` for the running event loop. An asyncio connection belongs to
  the loop that opened it, so there is one client per (loop, URL); ``aclose_async_clients()`` closes this loop's
  (the server's lifespan does, on shutdown).
- ``sync_client(url)``: a ``redis.Redis`` for threads and the CLI; one per URL, thread-safe (its pool is).

``SharedState(namespace)`` is the small API other parts build on (the response cache, AIMD limits): bytes or
JSON values under ``medchat:<namespace>:<key>`` with an optional time to live, atomic counters, and publish /
subscribe for invalidations. Anything it lacks is one call away on ``SharedState.client`` (keys through
``SharedState.key``). Every method is a coroutine on the running loop's client::

    state = SharedState("cache", settings.redis_url)
    await state.set_json("ab12...", {"text": "..."}, ttl_s=3600)
    hit = await state.get_json("ab12...")
    await state.incr("calls:openai/gpt-4o-mini", ttl_s=60)

Errors reaching Redis are ``SharedStateError``: one line naming the URL (password hidden) and what failed.
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from medchat.errors import ConfigError, MedchatError, MissingDependencyError

if TYPE_CHECKING:
    import redis as redis_sync
    import redis.asyncio as redis_async

    from medchat.config import Settings

PREFIX = "medchat:"
SUBSCRIBE_S = 10.0  # how long a subscription may take to be confirmed
URL_HINT = "set redis_url (MEDCHAT_REDIS_URL) to a reachable Redis, e.g. redis://127.0.0.1:6379/0"
T = TypeVar("T")


class SharedStateError(MedchatError):
    """Redis could not be reached or answered with an error (the caller decides: a cache misses, limits 503)."""


def redis_url(settings: Settings | None = None) -> str | None:
    """``redis_url`` from ``settings`` (default: the process settings), or ``None`` when replicas share nothing."""
    if settings is None:
        from medchat.config import get_settings

        settings = get_settings()
    url = (settings.redis_url or "").strip()
    return url or None


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}://{user + ':***' if user else '***'}@{host}"


def _module(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        raise MissingDependencyError("redis_url is set but the redis package is not installed",
                                     hint="pip install 'medchat[replicas]' (or pip install redis)") from None


_ASYNC: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, redis_async.Redis]] = (
    weakref.WeakKeyDictionary())
_SYNC: dict[str, redis_sync.Redis] = {}
_LOCK = threading.Lock()


def async_client(url: str) -> redis_async.Redis:
    """The running loop's client for ``url`` (made on first use; connections open on first command)."""
    loop = asyncio.get_running_loop()
    clients = _ASYNC.setdefault(loop, {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = _module("redis.asyncio").Redis.from_url(url, health_check_interval=30)
    return client


def sync_client(url: str) -> redis_sync.Redis:
    """A blocking client for ``url``, shared by threads."""
    with _LOCK:
        client = _SYNC.get(url)
        if client is None:
            client = _SYNC[url] = _module("redis").Redis.from_url(url, health_check_interval=30)
        return client


async def aclose_async_clients() -> None:
    """Close the running loop's clients (their connections cannot outlive the loop)."""
    clients = _ASYNC.pop(asyncio.get_running_loop(), {})
    for client in clients.values():
        await client.aclose()


def close_sync_clients() -> None:
    with _LOCK:
        clients = list(_SYNC.values())
        _SYNC.clear()
    for client in clients:
        client.close()


async def call(url: str, what: str, operation: Callable[[], Awaitable[T]]) -> T:
    """``await operation()``, its Redis errors turned into one-line ``SharedStateError``s."""
    errors = _module("redis.exceptions")
    try:
        return await operation()
    except errors.RedisError as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise SharedStateError(f"{what}: Redis at {display_url(url)} failed: {message}", hint=URL_HINT) from None


class SharedState:
    """Keys in one namespace (``medchat:<namespace>:``) of the Redis at ``url`` (default: ``redis_url``).

    Values are bytes (``get``/``set``) or JSON (``get_json``/``set_json``); ``ttl_s`` makes a key expire;
    ``incr`` is atomic across replicas; ``publish``/``subscribe`` carry messages on ``medchat:<namespace>:<channel>``.
    """

    def __init__(self, namespace: str, url: str | None = None) -> None:
        if not namespace or ":" in namespace:
            raise ValueError(f"a namespace is a non-empty name without ':', not {namespace!r}")
        resolved = url or redis_url()
        if resolved is None:
            raise ConfigError("shared state needs Redis, and redis_url is not set", hint=URL_HINT)
        self.namespace = namespace
        self.url = resolved

    @property
    def client(self) -> redis_async.Redis:
        """The running loop's client, for what this class does not offer (use ``key()`` for names)."""
        return async_client(self.url)

    def key(self, name: str) -> str:
        return f"{PREFIX}{self.namespace}:{name}"

    async def _do(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        return await call(self.url, f"shared state {self.namespace!r}: {what}", operation)

    async def get(self, name: str) -> bytes | None:
        value: bytes | None = await self._do("get", lambda: self.client.get(self.key(name)))
        return value

    async def set(self, name: str, value: bytes | str, *, ttl_s: float | None = None, only_new: bool = False) -> bool:
        """Store ``value``; with ``only_new``, only if the key does not exist (``False`` then). ``ttl_s``: expiry."""
        px = None if ttl_s is None else max(int(ttl_s * 1000), 1)
        done = await self._do("set", lambda: self.client.set(self.key(name), value, px=px, nx=only_new))
        return bool(done)

    async def get_json(self, name: str) -> Any:
        """The JSON value stored under ``name``, or ``None``."""
        raw = await self.get(name)
        return None if raw is None else json.loads(raw)

    async def set_json(self, name: str, value: Any, *, ttl_s: float | None = None, only_new: bool = False) -> bool:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return await self.set(name, text, ttl_s=ttl_s, only_new=only_new)

    async def delete(self, *names: str) -> int:
        """How many of the keys existed."""
        if not names:
            return 0
        count: int = await self._do("delete", lambda: self.client.delete(*(self.key(n) for n in names)))
        return count

    async def incr(self, name: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        """Add ``amount`` (atomically) and return the new value; ``ttl_s`` sets the expiry when the key is new."""
        key = self.key(name)

        async def run() -> int:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incrby(key, amount)
                if ttl_s is not None:
                    pipe.pexpire(key, max(int(ttl_s * 1000), 1), nx=True)
                results = await pipe.execute()
            return int(results[0])

        return await self._do("incr", run)

    async def publish(self, channel: str, message: bytes | str) -> int:
        """Send ``message`` to every subscriber of ``channel`` (in every replica); how many received it."""
        count: int = await self._do("publish", lambda: self.client.publish(self.key(channel), message))
        return count

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """``async with state.subscribe("evict") as messages: async for message in messages: ...``; subscribed
        before the block starts, so nothing published after that is missed."""
        pubsub = self.client.pubsub()

        async def subscribed() -> None:
            await pubsub.subscribe(self.key(channel))
            async with asyncio.timeout(SUBSCRIBE_S):  # Redis confirms once it will deliver to us
                while (await pubsub.get_message(timeout=SUBSCRIBE_S) or {}).get("type") != "subscribe":
                    pass

        try:
            await self._do("subscribe", subscribed)
        except BaseException:
            await pubsub.aclose()
            raise

        async def messages() -> AsyncIterator[bytes]:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    yield item["data"]

        try:
            yield messages()
        finally:
            await pubsub.aclose()
