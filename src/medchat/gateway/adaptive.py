"""Client-side limits per provider+model that follow what the provider says.

- ``rpm`` / ``tpm``: token buckets of requests and tokens per minute, refilled evenly and holding one second's worth
  (as providers enforce a per-minute limit over shorter spans). A request waits for its share rather than being
  sent to fail with a 429. Tokens are estimated before the call (prompt characters / 4 + ``max_tokens``) and
  corrected by the answer's usage.
- AIMD concurrency: the in-flight limit halves on a 429 or an overload (503, 529) — once per round: a request
  that began before the last decrease does not halve it again — and grows by one after ``window`` successes
  (default: the current limit), between ``floor`` and ``ceiling``.
- ``Retry-After``: after a 429 that names one, no request to that provider+model is sent before it passes (a wait
  longer than ``max_hold_s`` fails at once with the provider's 429, for ``Retry`` to hand to the caller).

Waiting here is queueing, not the answer's time: it is reported ``not_waiting`` (see ``gateway/clock.py``), as
``ConcurrencyLimit`` does. The state is kept per key (``"<model>@<base_url>"``) behind ``LimitStore``: this
process's memory by default (``MemoryLimitStore``), so every wrapper of one endpoint shares it; with ``redis_url``
(and ``[gateway] shared_limits``, on by default) in Redis (``storage/redis_limits_state.py``, lent by the caller
through ``get_model(..., stores=...)`` and opened by ``open_store``), so replicas and a ``medchat eval`` beside
them share one limit and one hold.

In flight: a request first takes one of this process's slots (``_Gate``: at most the limit here, the rest waiting
on futures woken as slots free). With a store that is ``shared`` it then also leases a slot in the store
(``enter``/``leave``: in Redis a sorted set of lease ids scored by expiry, renewed while the request lasts), so
all processes together keep at most the shared limit in flight; while every slot is taken it asks again as soon
as any process gives one of the endpoint's slots back (``freed``: Redis pub/sub), or after a growing, jittered
back-off (``SLOT_RETRY_S`` doubling up to ``SLOT_RETRY_MAX_S``) should that notice not come, and a cancelled
request gives both slots back. Redis out of reach, ``enter`` admits at once (the store's fallback): each process
keeps at most the limit, as without Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol

from medchat.errors import MedchatError, ModelUnavailableError, RateLimitError
from medchat.gateway.clock import not_waiting
from medchat.gateway.wrapper import ModelWrapper
from medchat.models.base import ChatModel
from medchat.types import ChatRequest, Chunk, Completion, Usage

if TYPE_CHECKING:
    from medchat.config import Settings
    from medchat.gateway.shared import SharedStores

log = logging.getLogger("medchat.gateway")

OVERLOAD_STATUSES = frozenset({503, 529})
SLOT_RETRY_S = 0.01  # first wait for a shared slot when all are taken; doubles each try
SLOT_RETRY_MAX_S = 0.25  # the longest wait between two tries, when no notice of a freed slot comes


class Window(NamedTuple):
    """The in-flight limit, and the number of decreases so far (a request remembers the one it began under)."""

    limit: int
    epoch: int


class LimitStore(Protocol):
    """What the adaptive limits remember per key; each method is one atomic step."""

    #: whether other processes count against the same limits (requests in flight then lease a slot: ``enter``)
    shared: bool

    async def take(self, key: str, bucket: str, amount: float, per_minute: float) -> float:
        """Take ``amount`` from ``key``'s ``bucket`` (refilled at ``per_minute``); seconds until it is covered
        (0: go now). A negative amount gives back, never above the bucket's size."""
        ...

    async def hold(self, key: str, seconds: float) -> None:
        """No request for ``key`` before ``seconds`` from now (a ``Retry-After``)."""
        ...

    async def held_for(self, key: str) -> float:
        """Seconds left of the hold on ``key`` (0: none)."""
        ...

    async def window(self, key: str, ceiling: int) -> Window:
        """The current limit, at most ``ceiling`` (the caller's; until the first overload, the limit is it)."""
        ...

    async def overloaded(self, key: str, epoch: int, floor: int, ceiling: int) -> Window:
        """Halve the limit (not below ``floor``) unless it was already decreased since ``epoch``."""
        ...

    async def succeeded(self, key: str, ceiling: int, every: int | None) -> Window:
        """Count a success; after ``every`` of them (default: the limit) the limit grows by one, up to ``ceiling``."""
        ...

    async def enter(self, key: str, lease: str, ceiling: int) -> Window | None:
        """Count ``lease`` in flight for ``key`` if fewer than the limit (at most ``ceiling``) are, in every process
        sharing the store; the window it entered under, or ``None``: all slots taken (ask again later)."""
        ...

    async def leave(self, key: str, lease: str) -> None:
        """``lease`` is no longer in flight (one that was never entered, or already left, is ignored)."""
        ...

    async def freed(self, key: str, backoff: Awaitable[object]) -> None:
        """Wait before asking ``enter`` again: until ``backoff`` is over, or sooner, once some process gives back a
        slot of ``key`` (a store that can tell)."""
        ...


@dataclass
class _Bucket:
    level: float
    at: float


@dataclass
class _Aimd:
    limit: int | None = None  # None: never decreased, each caller's ceiling
    epoch: int = 0
    successes: int = 0


class MemoryLimitStore:
    """``LimitStore`` in this process (each method runs without awaiting, so it is atomic on the event loop). Not
    ``shared``: the process's own slots (``_Gate``) are the whole in-flight count, so ``enter`` always admits."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._held: dict[str, float] = {}
        self._aimd: dict[str, _Aimd] = {}

    async def take(self, key: str, bucket: str, amount: float, per_minute: float) -> float:
        rate = per_minute / 60.0
        size = max(rate, 1.0)  # one second's worth, at least one request
        now = self._clock()
        state = self._buckets.get((key, bucket))
        if state is None:
            state = self._buckets[(key, bucket)] = _Bucket(size, now)
        state.level = min(size, min(size, state.level + (now - state.at) * rate) - amount)
        state.at = now
        return max(0.0, -state.level / rate)

    async def hold(self, key: str, seconds: float) -> None:
        self._held[key] = max(self._held.get(key, 0.0), self._clock() + seconds)

    async def held_for(self, key: str) -> float:
        return max(self._held.get(key, 0.0) - self._clock(), 0.0)

    def _state(self, key: str) -> _Aimd:
        state = self._aimd.get(key)
        if state is None:
            state = self._aimd[key] = _Aimd()
        return state

    async def window(self, key: str, ceiling: int) -> Window:
        state = self._state(key)
        return Window(min(state.limit or ceiling, ceiling), state.epoch)

    async def overloaded(self, key: str, epoch: int, floor: int, ceiling: int) -> Window:
        state = self._state(key)
        if state.epoch == epoch:
            state.limit = max(floor, min(state.limit or ceiling, ceiling) // 2)
            state.epoch += 1
            state.successes = 0
        return Window(min(state.limit or ceiling, ceiling), state.epoch)

    async def succeeded(self, key: str, ceiling: int, every: int | None) -> Window:
        state = self._state(key)
        if state.limit is not None:
            state.successes += 1
            if state.successes >= (every or state.limit):
                state.successes = 0
                state.limit = state.limit + 1 if state.limit + 1 < ceiling else None  # back to the ceiling
        return Window(min(state.limit or ceiling, ceiling), state.epoch)

    async def enter(self, key: str, lease: str, ceiling: int) -> Window | None:
        return await self.window(key, ceiling)

    async def leave(self, key: str, lease: str) -> None:
        return None

    async def freed(self, key: str, backoff: Awaitable[object]) -> None:
        await backoff


_default_store = MemoryLimitStore()


def default_store() -> MemoryLimitStore:
    """The process-wide store every wrapper uses unless given another."""
    return _default_store


_OPEN: dict[str, LimitStore] = {}


def open_store(settings: Settings, stores: SharedStores | None = None) -> LimitStore:
    """Where ``get_model``'s limits live: Redis when ``redis_url`` is set (and ``[gateway] shared_limits``), one
    store per process and URL, from ``stores`` (lent by the caller: the gateway does not import storage); else
    this process's memory."""
    url = (getattr(settings, "redis_url", None) or "").strip()
    if not url or not settings.gateway.shared_limits:
        return default_store()
    if stores is None:
        from medchat.gateway.shared import not_lent

        not_lent("the adaptive limits' state", "redis_url")
        return default_store()
    store = _OPEN.get(url)
    if store is None:
        store = _OPEN[url] = stores.limit_store(url, default_store())
    return store


def forget_stores() -> None:
    """Drop the shared stores ``open_store`` kept (tests; a changed configuration)."""
    _OPEN.clear()


class _Gate:
    """The requests in flight for one key and store in this process, and those waiting for a slot (every wrapper
    of an endpoint has the same store: the default one, or ``open_store``'s one per Redis URL)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def enter(self, window: Callable[[], Awaitable[Window]]) -> Window:
        while True:
            current = await window()
            if self.in_flight < current.limit:
                self.in_flight += 1
                return current
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def leave(self) -> None:
        self.in_flight -= 1
        self.wake()

    def wake(self) -> None:
        """Let the waiting look again (a slot freed, or the limit grew)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)


_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], _Gate]] = (
    weakref.WeakKeyDictionary())


def _gate(store: LimitStore, key: str) -> _Gate:
    gates = _GATES.setdefault(asyncio.get_running_loop(), {})
    gate = gates.get((id(store), key))
    if gate is None:
        gate = gates[(id(store), key)] = _Gate()
    return gate


def is_overload(error: MedchatError) -> bool:
    """A 429, or a server saying it is overloaded: fewer requests at once will help."""
    return isinstance(error, RateLimitError) or (
        isinstance(error, ModelUnavailableError) and error.status in OVERLOAD_STATUSES)


def estimate_tokens(request: ChatRequest) -> int:
    """What a request may use before it is sent: its prompt (≈ 4 characters a token) and ``max_tokens``."""
    prompt = sum(len(message.content) for message in request.messages)
    return max(round(prompt / 4), 1) + (request.params.max_tokens or 0)


@dataclass
class _Ticket:
    gate: _Gate | None
    epoch: int
    tokens: int
    lease: str | None = None


class AdaptiveLimit(ModelWrapper):
    """Client-side rate limits and AIMD concurrency for one provider+model (``key``); see the module docstring."""

    def __init__(
        self,
        inner: ChatModel,
        *,
        key: str | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        adaptive: bool = True,
        floor: int = 1,
        ceiling: int = 8,
        window: int | None = None,
        max_hold_s: float = 120.0,
        store: LimitStore | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        super().__init__(inner)
        self.key = key or inner.name
        self.rpm = rpm
        self.tpm = tpm
        self.adaptive = adaptive
        self.floor = min(floor, ceiling)
        self.ceiling = ceiling
        self.window = window
        self.max_hold_s = max_hold_s
        self.store: LimitStore = store if store is not None else default_store()
        self._sleep = sleep

    async def in_flight_limit(self) -> int:
        """The AIMD limit now (the ceiling when adaptive concurrency is off)."""
        return (await self.store.window(self.key, self.ceiling)).limit if self.adaptive else self.ceiling

    async def _admit(self, request: ChatRequest) -> _Ticket:
        """Wait for a slot, the buckets' share and any hold (queueing: left out of the answer's clock)."""
        with not_waiting():
            gate, epoch, lease = None, 0, None
            if self.adaptive:
                gate = _gate(self.store, self.key)
                epoch = (await gate.enter(lambda: self.store.window(self.key, self.ceiling))).epoch
            try:
                if gate is not None and self.store.shared:
                    lease = uuid.uuid4().hex
                    epoch = (await self._lease(lease)).epoch
                tokens = estimate_tokens(request) if self.tpm else 0
                wait = 0.0
                if self.rpm:
                    wait = await self.store.take(self.key, "requests", 1, self.rpm)
                if self.tpm:
                    wait = max(wait, await self.store.take(self.key, "tokens", tokens, self.tpm))
                if wait > 0:
                    await self._sleep(wait)
                while (held := await self.store.held_for(self.key)) > 0:
                    if held > self.max_hold_s:
                        raise RateLimitError(f"the provider asked for no requests for another {held:.0f}s",
                                             model=self.name, retry_after=held, hint="try later")
                    await self._sleep(held)
            except BaseException:
                await self._release(_Ticket(gate, epoch, 0, lease))
                raise
        return _Ticket(gate, epoch, tokens, lease)

    async def _lease(self, lease: str) -> Window:
        """A slot among every process's (a ``shared`` store), asking again with a jittered back-off while all
        are taken; a cancellation ends the wait (``_admit`` then leaves, in case the last ask entered)."""
        delay = SLOT_RETRY_S
        while (window := await self._ask(lease)) is None:
            await self.store.freed(self.key, self._sleep(random.uniform(delay / 2, delay)))
            delay = min(delay * 2, SLOT_RETRY_MAX_S)
        return window

    async def _ask(self, lease: str) -> Window | None:
        """One ``enter``, shielded: a cancellation is not passed into the store's client (a Redis client may
        swallow it mid-command), it waits for the answer, so that ``_admit`` leaves after any slot it took."""
        asked = asyncio.ensure_future(self.store.enter(self.key, lease, self.ceiling))
        try:
            return await asyncio.shield(asked)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asked
            raise

    async def _release(self, ticket: _Ticket) -> None:
        """Give the request's slots back: the shared one shielded, so that it reaches the store even while the
        request is being cancelled; this process's at once."""
        try:
            if ticket.lease is not None:
                await asyncio.shield(self.store.leave(self.key, ticket.lease))
        finally:
            if ticket.gate is not None:
                ticket.gate.leave()

    async def _succeeded(self, ticket: _Ticket, usage: Usage | None) -> None:
        if self.tpm and usage is not None and usage.total_tokens:
            await self.store.take(self.key, "tokens", usage.total_tokens - ticket.tokens, self.tpm)
        if ticket.gate is not None:
            await self.store.succeeded(self.key, self.ceiling, self.window)
            ticket.gate.wake()  # the limit may have grown

    async def _failed(self, ticket: _Ticket, error: MedchatError) -> None:
        if isinstance(error, RateLimitError) and error.retry_after:
            await self.store.hold(self.key, error.retry_after)
        if ticket.gate is not None and is_overload(error):
            before = ticket.epoch
            window = await self.store.overloaded(self.key, before, self.floor, self.ceiling)
            if window.epoch == before + 1:
                log.info("%s: %s; at most %d requests in flight now", self.key, error.message, window.limit)

    async def complete(self, request: ChatRequest) -> Completion:
        ticket = await self._admit(request)
        try:
            completion = await self.inner.complete(request)
        except MedchatError as error:
            await self._failed(ticket, error)
            raise
        finally:
            await self._release(ticket)
        await self._succeeded(ticket, completion.usage)
        return completion

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        ticket = await self._admit(request)
        try:
            async with aclosing(self.inner.stream(request)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    if chunk.final:
                        await self._succeeded(ticket, chunk.usage)
                    yield chunk
        except MedchatError as error:
            await self._failed(ticket, error)
            raise
        finally:
            await self._release(ticket)
