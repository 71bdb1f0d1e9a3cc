"""Per-key limits: requests per minute (``rpm``), tokens per minute (``tpm``) and concurrent requests.

``deps.enforce_limits`` (a router dependency next to ``authenticate``) asks the ``Limiter`` for a ``Grant``; over a
limit it answers 429 in OpenAI's shape with ``Retry-After`` and the ``x-ratelimit-*`` headers. The route charges
the tokens of a finished answer (``deps.charge_usage``), so ``tpm`` admits a request while the window has room and
counts what it cost once that is known. ``LimitsMiddleware`` adds the headers to successful responses and
releases the grant when the response is over — after the last byte of a stream, or when the client went away,
or on any error — so a concurrency slot is never leaked.

``MemoryLimiter`` keeps fixed one-minute windows per key, in this process (each ``--workers`` process has its
own). ``redis_limits.RedisLimiter`` keeps the same windows in Redis, shared by every process and replica that
names the same ``redis_url``. Acquiring, charging and releasing are coroutines, so a shared backend asks its
store without blocking the event loop; ``Grant.snapshot`` (the headers) answers from what the grant already knows.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medchat.server.errors import ApiError

if TYPE_CHECKING:
    from medchat.storage.keys import ApiKey

WINDOW_S = 60.0
GRANT = "rate_grant"  # where the request's grant is kept in ``scope["state"]`` (``request.state``)


@dataclass(frozen=True)
class Snapshot:
    """A key's limits and what is left of them in the current window, at one moment."""

    rpm: int | None
    tpm: int | None
    requests_left: int
    tokens_left: int
    reset_s: float  # until the window ends

    def headers(self) -> dict[str, str]:
        """OpenAI's ``x-ratelimit-*`` headers, for the limits this key has."""
        headers: dict[str, str] = {}
        reset = _duration(self.reset_s)
        if self.rpm is not None:
            headers |= {"x-ratelimit-limit-requests": str(self.rpm),
                        "x-ratelimit-remaining-requests": str(self.requests_left),
                        "x-ratelimit-reset-requests": reset}
        if self.tpm is not None:
            headers |= {"x-ratelimit-limit-tokens": str(self.tpm),
                        "x-ratelimit-remaining-tokens": str(self.tokens_left),
                        "x-ratelimit-reset-tokens": reset}
        return headers


class RateLimited(Exception):
    """Over one of the key's limits: which one, and for how long at least."""

    def __init__(self, message: str, kind: str, retry_after_s: float, snapshot: Snapshot) -> None:
        super().__init__(message)
        self.kind = kind  # "requests" | "tokens" (OpenAI's error type), "concurrency" is reported as requests
        self.retry_after_s = retry_after_s
        self.snapshot = snapshot

    def api_error(self) -> ApiError:
        retry = max(1, math.ceil(self.retry_after_s))
        return ApiError(429, f"{self} — try again in {retry}s", type="tokens" if self.kind == "tokens" else "requests",
                        code="rate_limit_exceeded", headers={"retry-after": str(retry), **self.snapshot.headers()})


class Grant(Protocol):
    """One admitted request: charge its tokens when known; release it once, when the response is over."""

    async def charge(self, tokens: int) -> None: ...

    async def release(self) -> None: ...

    def snapshot(self) -> Snapshot: ...


class Limiter(Protocol):
    async def acquire(self, key: ApiKey) -> Grant:
        """A grant for one request of ``key``, or ``RateLimited``."""
        ...


def refusal(key: ApiKey, kind: str, *, requests: int, tokens: int, in_flight: int, retry_after_s: float,
            snapshot: Snapshot) -> RateLimited:
    """The 429 for ``key`` over its ``kind`` limit ("concurrency", "requests" or "tokens"), worded alike by
    every backend."""
    if kind == "concurrency":
        return RateLimited(f"the API key {key.name!r} already has {in_flight} requests in progress "
                           f"(its limit is {key.concurrency})", kind, retry_after_s, snapshot)
    if kind == "requests":
        return RateLimited(f"rate limit reached for the API key {key.name!r} on requests per minute: "
                           f"limit {key.rpm}, used {requests}", kind, retry_after_s, snapshot)
    return RateLimited(f"rate limit reached for the API key {key.name!r} on tokens per minute: "
                       f"limit {key.tpm}, used {tokens}", kind, retry_after_s, snapshot)


@dataclass
class _Window:
    start: float
    requests: int = 0
    tokens: int = 0
    in_flight: int = 0


class MemoryLimiter:
    """Fixed one-minute windows per key (a window starts with the first request after the last one ended).

    ``clock`` gives monotonic seconds (``time.monotonic`` by default; tests pass a fake one).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, window_s: float = WINDOW_S) -> None:
        self.clock = clock
        self.window_s = window_s
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def _window(self, key_id: str, now: float) -> _Window:
        window = self._windows.get(key_id)
        if window is None:
            window = self._windows[key_id] = _Window(start=now)
        elif now - window.start >= self.window_s:
            window.start, window.requests, window.tokens = now, 0, 0
        return window

    def _snapshot(self, key: ApiKey, window: _Window, now: float) -> Snapshot:
        return Snapshot(rpm=key.rpm, tpm=key.tpm,
                        requests_left=max((key.rpm or 0) - window.requests, 0),
                        tokens_left=max((key.tpm or 0) - window.tokens, 0),
                        reset_s=max(window.start + self.window_s - now, 0.0))

    async def acquire(self, key: ApiKey) -> _MemoryGrant:
        with self._lock:  # never held across an await: the lock guards against worker threads only
            now = self.clock()
            window = self._window(key.id, now)
            reset = window.start + self.window_s - now
            kind = None
            if key.concurrency is not None and window.in_flight >= key.concurrency:
                kind, reset = "concurrency", 1
            elif key.rpm is not None and window.requests >= key.rpm:
                kind = "requests"
            elif key.tpm is not None and window.tokens >= key.tpm:
                kind = "tokens"
            if kind is not None:
                raise refusal(key, kind, requests=window.requests, tokens=window.tokens, in_flight=window.in_flight,
                              retry_after_s=reset, snapshot=self._snapshot(key, window, now))
            window.requests += 1
            window.in_flight += 1
        return _MemoryGrant(self, key)

    def _charge(self, key: ApiKey, tokens: int) -> None:
        with self._lock:
            self._window(key.id, self.clock()).tokens += max(tokens, 0)

    def _release(self, key: ApiKey) -> None:
        with self._lock:
            window = self._windows[key.id]
            window.in_flight -= 1

    def _snapshot_now(self, key: ApiKey) -> Snapshot:
        with self._lock:
            now = self.clock()
            return self._snapshot(key, self._window(key.id, now), now)

    def in_flight(self, key_id: str) -> int:
        with self._lock:
            window = self._windows.get(key_id)
            return 0 if window is None else window.in_flight


class _MemoryGrant:
    def __init__(self, limiter: MemoryLimiter, key: ApiKey) -> None:
        self._limiter = limiter
        self._key = key
        self._released = False

    async def charge(self, tokens: int) -> None:
        self._limiter._charge(self._key, tokens)

    async def release(self) -> None:
        if not self._released:
            self._released = True
            self._limiter._release(self._key)

    def snapshot(self) -> Snapshot:
        return self._limiter._snapshot_now(self._key)


def _duration(seconds: float) -> str:
    """OpenAI's reset format: ``"1s"``, ``"59s"``, ``"1m0s"``, ``"250ms"``."""
    if seconds < 1:
        return f"{max(math.ceil(seconds * 1000), 0)}ms"
    whole = math.ceil(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


class LimitsMiddleware:
    """Pure ASGI: adds the ``x-ratelimit-*`` headers of a limited key to its response, and releases the
    request's grant when the app is done with it (a stream finished, a client gone, an error) — in
    ``finally``, so a slot is never leaked."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                grant: Grant | None = scope.get("state", {}).get(GRANT)
                if grant is not None:
                    extra = [(k.encode(), v.encode()) for k, v in grant.snapshot().headers().items()]
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            grant = scope.get("state", {}).get(GRANT)
            if grant is not None:
                await grant.release()
