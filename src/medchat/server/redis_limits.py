"""Per-key limits kept in Redis, so every replica (and every ``--workers`` process) counts against one window.

The same fixed one-minute windows as ``MemoryLimiter`` (a window starts with a key's first request after the
last one ended), as a hash per key (``medchat:limits:<key id>:window``: start, requests, tokens) that expires
after it ends. Each check-and-count is one Lua script, so two replicas admitting the same key at once cannot
both take its last request. Requests in progress (``concurrency``) are members of a sorted set scored by when
their lease runs out (``LEASE_S``): a replica killed mid-answer cannot hold its slots for longer than that.

Times are Redis' own clock (``TIME``), one clock for every replica; tests pass ``clock`` (seconds) instead.
Redis out of reach: a limited key's request is answered 503 ``rate_limits_unavailable`` (fail closed: the limits
are the operator's, not the client's to skip); a charge or release that fails is logged, and the lease ends it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from medchat.server.errors import ApiError
from medchat.server.limits import WINDOW_S, Snapshot, refusal
from medchat.storage.redis import PREFIX, SharedStateError, async_client, call

if TYPE_CHECKING:
    from medchat.storage.keys import ApiKey

log = logging.getLogger(__name__)
LEASE_S = 600.0  # a request in progress counts against its key's concurrency for at most this long

# KEYS: window hash, in-progress set. ARGV: rpm, tpm, concurrency (-1: none), window ms, now ms ("": Redis' clock),
# grant id, lease ms. Returns {refused (0 ok, 1 concurrency, 2 requests, 3 tokens), requests, tokens, reset ms,
# in progress}.
_ACQUIRE = """
local now = tonumber(ARGV[5])
if not now then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local window = tonumber(ARGV[4])
local w = redis.call('HMGET', KEYS[1], 'start', 'requests', 'tokens')
local start, requests, tokens = tonumber(w[1]), tonumber(w[2]) or 0, tonumber(w[3]) or 0
if not start or now - start >= window then start, requests, tokens = now, 0, 0 end
local reset = math.min(math.max(start + window - now, 0), window)
local rpm, tpm, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local active = 0
if limit >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  active = redis.call('ZCARD', KEYS[2])
  if active >= limit then return {1, requests, tokens, reset, active} end
end
if rpm >= 0 and requests >= rpm then return {2, requests, tokens, reset, active} end
if tpm >= 0 and tokens >= tpm then return {3, requests, tokens, reset, active} end
requests = requests + 1
redis.call('HSET', KEYS[1], 'start', start, 'requests', requests, 'tokens', tokens)
redis.call('PEXPIRE', KEYS[1], reset + window)
if limit >= 0 then
  local lease = tonumber(ARGV[7])
  redis.call('ZADD', KEYS[2], now + lease, ARGV[6])
  redis.call('PEXPIRE', KEYS[2], lease + window)
  active = active + 1
end
return {0, requests, tokens, reset, active}
"""

# KEYS: window hash. ARGV: tokens, window ms, now ms (""). Returns {requests, tokens, reset ms}. A window that
# ended meanwhile is replaced by one holding only these tokens, as MemoryLimiter does.
_CHARGE = """
local now = tonumber(ARGV[3])
if not now then local t = redis.call('TIME'); now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local window = tonumber(ARGV[2])
local w = redis.call('HMGET', KEYS[1], 'start', 'requests', 'tokens')
local start, requests, tokens = tonumber(w[1]), tonumber(w[2]) or 0, tonumber(w[3]) or 0
if not start or now - start >= window then start, requests, tokens = now, 0, 0 end
tokens = tokens + tonumber(ARGV[1])
local reset = math.min(math.max(start + window - now, 0), window)
redis.call('HSET', KEYS[1], 'start', start, 'requests', requests, 'tokens', tokens)
redis.call('PEXPIRE', KEYS[1], reset + window)
return {requests, tokens, reset}
"""

_KINDS = {1: "concurrency", 2: "requests", 3: "tokens"}


class RedisLimiter:
    """``Limiter`` on the Redis at ``url``. ``clock`` (seconds, for tests) replaces Redis' clock."""

    def __init__(self, url: str, *, clock: Callable[[], float] | None = None, window_s: float = WINDOW_S,
                 lease_s: float = LEASE_S) -> None:
        self.url = url
        self.clock = clock
        self.window_ms = int(window_s * 1000)
        self.lease_ms = int(lease_s * 1000)
        self._local = clock or time.monotonic  # to age a snapshot between its script's answer and the headers
        self._scripts: dict[int, tuple[Any, Any]] = {}  # id(client) -> (acquire, charge): one pair per event loop

    def _now(self) -> str:
        return "" if self.clock is None else str(int(self.clock() * 1000))

    def _keys(self, key: ApiKey) -> tuple[str, str]:
        return f"{PREFIX}limits:{key.id}:window", f"{PREFIX}limits:{key.id}:active"

    def _script(self, index: int) -> Any:
        client = async_client(self.url)
        scripts = self._scripts.get(id(client))
        if scripts is None:
            scripts = self._scripts[id(client)] = (client.register_script(_ACQUIRE), client.register_script(_CHARGE))
        return scripts[index]

    async def acquire(self, key: ApiKey) -> RedisGrant:
        grant_id = uuid.uuid4().hex
        window, active = self._keys(key)
        args = [_limit(key.rpm), _limit(key.tpm), _limit(key.concurrency), self.window_ms, self._now(), grant_id,
                self.lease_ms]
        try:
            refused, requests, tokens, reset_ms, in_flight = await call(
                self.url, "rate limits", lambda: self._script(0)(keys=[window, active], args=args))
        except SharedStateError as exc:
            raise ApiError(503, f"per-key rate limits are unavailable: {exc}", type="server_error",
                           code="rate_limits_unavailable") from None
        grant = RedisGrant(self, key, grant_id, int(requests), int(tokens), int(reset_ms))
        if refused:
            kind = _KINDS[int(refused)]
            raise refusal(key, kind, requests=int(requests), tokens=int(tokens), in_flight=int(in_flight),
                          retry_after_s=1 if kind == "concurrency" else int(reset_ms) / 1000,
                          snapshot=grant.snapshot())
        return grant


def _limit(value: int | None) -> int:
    return -1 if value is None else value


class RedisGrant:
    """An admitted request; its snapshot is the window as the last script saw it, aged on the local clock."""

    def __init__(self, limiter: RedisLimiter, key: ApiKey, grant_id: str, requests: int, tokens: int,
                 reset_ms: int) -> None:
        self._limiter = limiter
        self._key = key
        self._id = grant_id
        self._released = False
        self._seen(requests, tokens, reset_ms)

    def _seen(self, requests: int, tokens: int, reset_ms: int) -> None:
        self._requests, self._tokens, self._reset_s = requests, tokens, reset_ms / 1000
        self._at = self._limiter._local()

    async def charge(self, tokens: int) -> None:
        limiter = self._limiter
        window, _ = limiter._keys(self._key)
        args = [max(int(tokens), 0), limiter.window_ms, limiter._now()]
        try:
            requests, total, reset_ms = await call(
                limiter.url, "charging tokens", lambda: limiter._script(1)(keys=[window], args=args))
        except SharedStateError as exc:
            log.warning("%s", exc)
            return
        self._seen(int(requests), int(total), int(reset_ms))

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        if self._key.concurrency is None:
            return
        _, active = self._limiter._keys(self._key)
        client = async_client(self._limiter.url)
        # Shielded: a release that starts while its request is being cancelled still reaches Redis.
        try:
            await asyncio.shield(call(self._limiter.url, "releasing a request", lambda: client.zrem(active, self._id)))
        except SharedStateError as exc:
            log.warning("%s (the slot comes back when its lease ends)", exc)

    def snapshot(self) -> Snapshot:
        key = self._key
        reset = max(self._reset_s - (self._limiter._local() - self._at), 0.0)
        return Snapshot(rpm=key.rpm, tpm=key.tpm, requests_left=max((key.rpm or 0) - self._requests, 0),
                        tokens_left=max((key.tpm or 0) - self._tokens, 0), reset_s=reset)
