"""The gateway's adaptive limits (``gateway/adaptive.py``) kept in Redis, so replicas of ``medchat serve`` and a
``medchat eval`` beside them settle on one in-flight limit per provider+model and honour one ``Retry-After``.

``RedisLimitStore`` is the gateway's ``LimitStore`` (``gateway.adaptive`` opens it by module path when ``redis_url``
is set, as the cache opens its backends: the gateway does not import storage). Per limit key (``"<model>@<base_url>"``):

- ``medchat:aimd:<key>``: a hash of ``limit`` (absent: never decreased, each caller's ceiling), ``epoch`` (the
  decreases so far), ``successes`` and ``held`` (no request before this time, ms);
- ``medchat:aimd:<key>:b:<bucket>``: an rpm/tpm token bucket (``level``, ``at`` ms), expiring once it would be full;
- ``medchat:aimd:<key>:slots``: the requests in flight in every process, a sorted set of lease ids scored by when
  the lease runs out (``lease_s``). ``enter`` drops the expired, compares the count with the limit and adds, in one
  script; ``leave`` removes and publishes the key on ``medchat:aimd:slots-freed``, in one script, and a request
  waiting for a slot (``freed``: one subscription per event loop while any waits) asks again at once. Each process
  renews its leases every ``renew_s`` (one task per event loop while it holds any), so a long stream keeps its
  slot, and a replica that dies gives its slots back within ``lease_s``.

Each step is one Lua script, so two replicas that see a 429 of the same round halve the limit once. Times are
Redis' own clock (``TIME``), one clock for every replica; tests pass ``clock`` (seconds) instead. Redis out of
reach: the step is taken in this process's memory instead (logged), as without ``redis_url`` — the provider's
own 429s still hold the line.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from medchat.storage.redis import SharedState, SharedStateError

if TYPE_CHECKING:
    from medchat.config import Settings

log = logging.getLogger("medchat.gateway")


class Window(NamedTuple):
    """As ``gateway.adaptive.Window`` (storage does not import the gateway): the in-flight limit and the decreases."""

    limit: int
    epoch: int

STATE_TTL_S = 86_400.0  # a key untouched this long starts again at its ceiling
LEASE_S = 30.0  # a slot in flight not renewed for this long (its process died or hung) is free again

_NOW = """local now = tonumber(ARGV[1])
if not now then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 end
"""

# KEYS: bucket. ARGV: now ms (""), amount, per minute. Returns the wait in ms (a string: Lua numbers are cut).
_TAKE = _NOW + """
local amount, per_minute = tonumber(ARGV[2]), tonumber(ARGV[3])
local rate = per_minute / 60000
local size = math.max(per_minute / 60, 1)
local b = redis.call('HMGET', KEYS[1], 'level', 'at')
local level, at = tonumber(b[1]), tonumber(b[2])
if not level then level, at = size, now end
level = math.min(size, math.min(size, level + math.max(now - at, 0) * rate) - amount)
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((size - level) / rate) + 1000)
return tostring(math.max(0, -level / rate))
"""

# KEYS: state. ARGV: now ms (""), seconds, ttl ms. Returns nothing.
_HOLD = _NOW + """
local until_ = now + tonumber(ARGV[2]) * 1000
local held = tonumber(redis.call('HGET', KEYS[1], 'held')) or 0
if until_ > held then redis.call('HSET', KEYS[1], 'held', tostring(until_)) end
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(until_ - now, 0)) + tonumber(ARGV[3]))
return 0
"""

# KEYS: state. ARGV: now ms (""). Returns the hold left in ms (a string).
_HELD_FOR = _NOW + """
local held = tonumber(redis.call('HGET', KEYS[1], 'held')) or 0
return tostring(math.max(held - now, 0))
"""

# KEYS: state. ARGV: "", epoch, floor, ceiling, ttl ms. Returns {limit (-1: the ceiling), epoch}.
_OVERLOADED = """
local s = redis.call('HMGET', KEYS[1], 'limit', 'epoch')
local limit, epoch = tonumber(s[1]), tonumber(s[2]) or 0
if epoch == tonumber(ARGV[2]) then
  local ceiling = tonumber(ARGV[4])
  local current = limit and math.min(limit, ceiling) or ceiling
  limit = math.max(tonumber(ARGV[3]), math.floor(current / 2))
  epoch = epoch + 1
  redis.call('HSET', KEYS[1], 'limit', limit, 'epoch', epoch, 'successes', 0)
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
end
return {limit or -1, epoch}
"""

# KEYS: state. ARGV: "", ceiling, every (-1: the limit), ttl ms. Returns {limit (-1: the ceiling), epoch}.
_SUCCEEDED = """
local s = redis.call('HMGET', KEYS[1], 'limit', 'epoch', 'successes')
local limit, epoch, successes = tonumber(s[1]), tonumber(s[2]) or 0, tonumber(s[3]) or 0
if limit then
  successes = successes + 1
  local every = tonumber(ARGV[3])
  if every < 0 then every = limit end
  if successes >= every then
    successes = 0
    if limit + 1 < tonumber(ARGV[2]) then limit = limit + 1 else limit = nil end
  end
  if limit then redis.call('HSET', KEYS[1], 'limit', limit) else redis.call('HDEL', KEYS[1], 'limit') end
  redis.call('HSET', KEYS[1], 'successes', successes)
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
end
return {limit or -1, epoch}
"""

# KEYS: state, slots. ARGV: now ms (""), lease id, ceiling, lease ms. Returns {entered (0/1), limit, epoch}.
_ENTER = _NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local s = redis.call('HMGET', KEYS[1], 'limit', 'epoch')
local ceiling = tonumber(ARGV[3])
local limit, epoch = tonumber(s[1]), tonumber(s[2]) or 0
limit = limit and math.min(limit, ceiling) or ceiling
if redis.call('ZCARD', KEYS[2]) >= limit then return {0, limit, epoch} end
local lease = tonumber(ARGV[4])
redis.call('ZADD', KEYS[2], now + lease, ARGV[2])
redis.call('PEXPIRE', KEYS[2], math.ceil(lease) + 1000)
return {1, limit, epoch}
"""

# KEYS: slots. ARGV: now ms (""), lease ms, lease ids... Pushes back the expiry of those still there (XX: a lease
# that ran out stays out). Returns nothing.
_RENEW = _NOW + """
local lease = tonumber(ARGV[2])
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i]) end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], math.ceil(lease) + 1000) end
return 0
"""

# KEYS: slots. ARGV: lease id, channel, endpoint key. Frees the slot and tells every process waiting for one of
# this endpoint's (``freed``), in one round trip. Returns nothing.
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 0
"""

_SCRIPTS = (_TAKE, _HOLD, _HELD_FOR, _OVERLOADED, _SUCCEEDED, _ENTER, _RENEW, _LEAVE)
TAKE, HOLD, HELD_FOR, OVERLOADED, SUCCEEDED, ENTER, RENEW, LEAVE = range(8)
FREED_CHANNEL = "slots-freed"  # carries the endpoint key of each slot given back


class _Leases:
    """The slots this process holds on one event loop (slots key -> lease ids), renewed by one task."""

    def __init__(self) -> None:
        self.held: dict[str, set[str]] = {}
        self.task: asyncio.Task[None] | None = None
        self.sleeping = False


class _Waiting:
    """The requests on one event loop waiting for a slot (endpoint key -> their futures), and the one
    subscription that wakes them when any process gives a slot of that endpoint back."""

    def __init__(self) -> None:
        self.by_key: dict[str, set[asyncio.Future[None]]] = {}
        self.task: asyncio.Task[None] | None = None


class RedisLimitStore:
    """``LimitStore`` on the Redis at ``url``. ``clock`` (seconds, for tests) replaces Redis' clock; ``fallback`` (a
    ``gateway.adaptive.MemoryLimitStore``, which ``open_store`` passes) takes the steps while Redis is out of reach;
    without one, an unreachable Redis is an error. ``lease_s``: how long a slot in flight lasts unless renewed;
    ``renew_s``: how often this process renews its own (default a third of the lease; 0: never, as a process that
    died), waiting with ``sleep`` (tests pass their own)."""

    shared = True  # every process counts its requests in flight here (``enter``/``leave``)

    def __init__(self, url: str | None = None, *, clock: Callable[[], float] | None = None,
                 fallback: Any = None, ttl_s: float = STATE_TTL_S, lease_s: float = LEASE_S,
                 renew_s: float | None = None, sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.state = SharedState("aimd", url)
        self.clock = clock
        self.ttl_ms = int(ttl_s * 1000)
        self.lease_ms = int(lease_s * 1000)
        self.renew_s = lease_s / 3 if renew_s is None else renew_s
        self._sleep = sleep
        self.fallback = fallback
        self._leases: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Leases] = weakref.WeakKeyDictionary()
        self._waiting: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Waiting] = weakref.WeakKeyDictionary()
        self._scripts: dict[int, tuple[Any, list[Any]]] = {}  # id(client) -> its scripts: one per event loop
        self._down = False

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisLimitStore:
        return cls(settings.redis_url)

    def _now(self) -> str:
        return "" if self.clock is None else repr(self.clock() * 1000)

    async def _run(self, what: str, index: int, keys: list[str], args: list[Any]) -> Any:
        client = self.state.client
        entry = self._scripts.get(id(client))
        if entry is None or entry[0] is not client:  # a closed client's id may come back
            entry = self._scripts[id(client)] = (client, [client.register_script(s) for s in _SCRIPTS])
        scripts = entry[1]
        result = await self.state._do(what, lambda: scripts[index](keys=keys, args=args))
        if self._down:
            self._down = False
            log.info("adaptive limits: Redis at %s answers again", self.state.url)
        return result

    def _failed(self, exc: SharedStateError) -> None:
        if self.fallback is None:
            raise exc
        if not self._down:
            self._down = True
            log.warning("%s; adaptive limits are kept in this process until it answers", exc)

    def _key(self, key: str) -> str:
        return self.state.key(key)

    async def take(self, key: str, bucket: str, amount: float, per_minute: float) -> float:
        try:
            wait = await self._run("token bucket", TAKE, [self._key(f"{key}:b:{bucket}")],
                                   [self._now(), repr(float(amount)), repr(float(per_minute))])
        except SharedStateError as exc:
            self._failed(exc)
            return float(await self.fallback.take(key, bucket, amount, per_minute))
        return float(wait) / 1000

    async def hold(self, key: str, seconds: float) -> None:
        try:
            await self._run("Retry-After hold", HOLD, [self._key(key)], [self._now(), repr(float(seconds)),
                                                                          self.ttl_ms])
        except SharedStateError as exc:
            self._failed(exc)
            await self.fallback.hold(key, seconds)

    async def held_for(self, key: str) -> float:
        try:
            left = await self._run("Retry-After hold", HELD_FOR, [self._key(key)], [self._now()])
        except SharedStateError as exc:
            self._failed(exc)
            return float(await self.fallback.held_for(key))
        return float(left) / 1000

    async def window(self, key: str, ceiling: int) -> Window:
        try:
            limit, epoch = await self.state._do(
                "adaptive limit", lambda: self.state.client.hmget(self._key(key), "limit", "epoch"))
        except SharedStateError as exc:
            self._failed(exc)
            return await self.fallback.window(key, ceiling)
        return _window(int(limit) if limit is not None else -1, int(epoch or 0), ceiling)

    async def overloaded(self, key: str, epoch: int, floor: int, ceiling: int) -> Window:
        try:
            limit, now_epoch = await self._run("adaptive limit", OVERLOADED, [self._key(key)],
                                               ["", epoch, floor, ceiling, self.ttl_ms])
        except SharedStateError as exc:
            self._failed(exc)
            return await self.fallback.overloaded(key, epoch, floor, ceiling)
        return _window(int(limit), int(now_epoch), ceiling)

    async def succeeded(self, key: str, ceiling: int, every: int | None) -> Window:
        try:
            limit, epoch = await self._run("adaptive limit", SUCCEEDED, [self._key(key)],
                                           ["", ceiling, -1 if every is None else every, self.ttl_ms])
        except SharedStateError as exc:
            self._failed(exc)
            return await self.fallback.succeeded(key, ceiling, every)
        return _window(int(limit), int(epoch), ceiling)

    async def enter(self, key: str, lease: str, ceiling: int) -> Window | None:
        slots = self._key(f"{key}:slots")
        try:
            entered, limit, epoch = await self._run("in-flight slot", ENTER, [self._key(key), slots],
                                                    [self._now(), lease, ceiling, self.lease_ms])
        except SharedStateError as exc:
            self._failed(exc)
            window: Window | None = await self.fallback.enter(key, lease, ceiling)
            return window
        if not int(entered):
            return None
        self._keep(slots, lease)
        return _window(int(limit), int(epoch), ceiling)

    async def leave(self, key: str, lease: str) -> None:
        slots = self._key(f"{key}:slots")
        self._keep(slots, lease, held=False)
        try:
            await self._run("in-flight slot", LEAVE, [slots], [lease, self.state.key(FREED_CHANNEL), key])
        except SharedStateError as exc:
            self._failed(exc)  # the lease runs out instead
            await self.fallback.leave(key, lease)

    async def freed(self, key: str, backoff: Awaitable[object]) -> None:
        """Return once any process gives back a slot of ``key`` (``leave`` publishes it), or when ``backoff`` is
        over, whichever comes first: the back-off stays the floor, for a message missed while subscribing, a lease
        that ran out, or Redis away."""
        loop = asyncio.get_running_loop()
        waiting = self._waiting.get(loop)
        if waiting is None:
            waiting = self._waiting[loop] = _Waiting()
        woken: asyncio.Future[None] = loop.create_future()
        waiting.by_key.setdefault(key, set()).add(woken)
        if waiting.task is None or waiting.task.done():
            waiting.task = loop.create_task(self._listen(waiting))
        timer = asyncio.ensure_future(backoff)
        try:
            await asyncio.wait({woken, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            futures = waiting.by_key.get(key, set())
            futures.discard(woken)
            if not futures:
                waiting.by_key.pop(key, None)
            if not waiting.by_key and waiting.task is not None:
                waiting.task.cancel()  # nobody waits on this loop: the subscription closes
                waiting.task = None

    async def _listen(self, waiting: _Waiting) -> None:
        """Wake the futures waiting for each endpoint key published on ``FREED_CHANNEL``."""
        try:
            async with self.state.subscribe(FREED_CHANNEL) as messages:
                async for message in messages:
                    for woken in waiting.by_key.get(message.decode(), ()):
                        if not woken.done():
                            woken.set_result(None)
        except Exception as exc:  # Redis away, or the subscription cut: the back-off alone wakes the waiting
            log.debug("adaptive limits: no notice of freed slots: %s", exc)

    def _keep(self, slots: str, lease: str, *, held: bool = True) -> None:
        """Start (``held``) or stop renewing ``lease``; the loop's renewing task runs while it holds any."""
        loop = asyncio.get_running_loop()
        leases = self._leases.get(loop)
        if leases is None:
            if not held:
                return
            leases = self._leases[loop] = _Leases()
        if held:
            leases.held.setdefault(slots, set()).add(lease)
            if self.renew_s > 0 and (leases.task is None or leases.task.done()):
                leases.task = loop.create_task(self._renew(leases))
            return
        ids = leases.held.get(slots)
        if ids is not None:
            ids.discard(lease)
            if not ids:
                del leases.held[slots]
        if not leases.held and leases.task is not None and leases.sleeping:
            leases.task.cancel()  # only while it sleeps: never in the middle of a Redis command
            leases.task = None

    async def _renew(self, leases: _Leases) -> None:
        while leases.held:
            leases.sleeping = True
            try:
                await self._sleep(self.renew_s)
            finally:
                leases.sleeping = False
            for slots, ids in list(leases.held.items()):
                if not ids:
                    continue
                try:
                    await self._run("renewing in-flight slots", RENEW, [slots], [self._now(), self.lease_ms, *ids])
                except SharedStateError as exc:
                    if not self._down:
                        self._down = True
                        log.warning("%s; this process's slots in flight run out unless it answers", exc)
        if leases.task is asyncio.current_task():
            leases.task = None


def _window(limit: int, epoch: int, ceiling: int) -> Window:
    return Window(ceiling if limit < 0 else min(limit, ceiling), epoch)
