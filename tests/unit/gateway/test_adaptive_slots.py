"""Requests in flight counted across processes (``gateway/adaptive.py`` with ``storage/redis_limits_state.py``):
each stack below stands for one replica — its own ``RedisLimitStore``, so its own process-side slots — and all of
them lease their slots in one real throwaway Redis, so together they keep at most the shared limit in flight."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from medchat.errors import RateLimitError
from medchat.gateway.adaptive import AdaptiveLimit, MemoryLimitStore
from medchat.storage.redis_limits_state import RedisLimitStore
from medchat.types import ChatRequest, Chunk
from tests.postgres import free_port
from tests.scripted import ScriptedModel
from tests.unit.gateway.fakes import FakeClock

REQ = ChatRequest.of("hi")
KEY = "provider/model@http://api/v1"
SLOTS = f"medchat:aimd:{KEY}:slots"
DEADLINE_S = 30.0  # an upper bound for what the test waits on, never a timing assertion


class Upstream:
    """One provider behind every replica: counts the calls in flight together; each call is held until the test
    lets it go (``release``), and every change is announced."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.held: list[asyncio.Event] = []
        self.served: list[str] = []
        self.changed = asyncio.Condition()

    async def announce(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), DEADLINE_S)

    async def sent(self, calls: int, at_most: int) -> None:
        """Until ``calls`` calls have come, with at most ``at_most`` in flight."""
        await self.until(lambda: len(self.held) == calls and self.in_flight <= at_most)


class Held(ScriptedModel):
    """A replica's client of ``Upstream``."""

    def __init__(self, upstream: Upstream, name: str, *steps: Any) -> None:
        super().__init__(*steps, name=name)
        self.upstream = upstream

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        upstream, release = self.upstream, asyncio.Event()
        step = self.steps.pop(0) if self.steps else "ok"
        upstream.in_flight += 1
        upstream.max_in_flight = max(upstream.max_in_flight, upstream.in_flight)
        upstream.held.append(release)
        await upstream.announce()
        try:
            await release.wait()
            if isinstance(step, BaseException):
                raise step
            upstream.served.append(self.name)
            yield Chunk(text=step)
            yield Chunk(final=True, finish_reason="stop")
        finally:
            upstream.in_flight -= 1
            await upstream.announce()


def replica(url: str, upstream: Upstream, name: str, *steps: Any, ceiling: int = 3, **store: Any) -> AdaptiveLimit:
    return AdaptiveLimit(Held(upstream, name, *steps), key=KEY, ceiling=ceiling, store=RedisLimitStore(url, **store))


async def slots_taken(url: str) -> int:
    import redis.asyncio

    async with redis.asyncio.Redis.from_url(url) as client:
        return int(await client.zcard(SLOTS))


async def test_two_replicas_together_keep_at_most_the_shared_limit_in_flight(redis_url):
    upstream = Upstream()
    one, other = replica(redis_url, upstream, "one"), replica(redis_url, upstream, "other")
    tasks = [asyncio.create_task(model.complete(REQ)) for model in (one, other) for _ in range(4)]
    await upstream.until(lambda: len(upstream.held) == 3)  # each replica alone would send 3: 6 together
    for released in range(1, 9):
        upstream.held[released - 1].set()  # one answer ends; a waiting request (of either replica) takes its slot
        await upstream.sent(min(released + 3, 8), at_most=3)
    await asyncio.gather(*tasks)
    assert upstream.max_in_flight == 3
    assert sorted(upstream.served) == ["one"] * 4 + ["other"] * 4
    assert await slots_taken(redis_url) == 0


async def test_the_shared_slots_follow_the_shared_aimd_limit(redis_url):
    upstream = Upstream()
    one = replica(redis_url, upstream, "one", RateLimitError("429"), ceiling=4)
    other = replica(redis_url, upstream, "other", ceiling=4)
    first = asyncio.create_task(one.complete(REQ))
    await upstream.until(lambda: len(upstream.held) == 1)
    upstream.held[0].set()
    with pytest.raises(RateLimitError):
        await first  # the limit of both is 2 now
    tasks = [asyncio.create_task(model.complete(REQ)) for model in (one, other) for _ in range(2)]
    await upstream.until(lambda: len(upstream.held) == 3)
    for released in range(2, 6):
        upstream.held[released - 1].set()
        await upstream.sent(min(released + 2, 5), at_most=2)
    await asyncio.gather(*tasks)
    assert upstream.max_in_flight == 2


async def test_the_slot_of_a_replica_that_died_comes_back_when_its_lease_runs_out(redis_url):
    clock = FakeClock()
    died = RedisLimitStore(redis_url, clock=clock, lease_s=30.0, renew_s=0)  # never renews, never leaves
    alive = RedisLimitStore(redis_url, clock=clock, lease_s=30.0)
    assert await died.enter(KEY, "lost", 1) is not None
    assert await alive.enter(KEY, "mine", 1) is None
    clock.now += 29.0
    assert await alive.enter(KEY, "mine", 1) is None
    clock.now += 2.0
    entered = await alive.enter(KEY, "mine", 1)
    assert entered is not None and entered.limit == 1
    await alive.leave(KEY, "mine")
    assert await slots_taken(redis_url) == 0

    # a request waits (with back-off, on the fake clock here) until the lease runs out, then goes
    assert await died.enter(KEY, "lost again", 1) is not None
    model = AdaptiveLimit(ScriptedModel("ok"), key=KEY, ceiling=1, store=alive, sleep=clock.sleep)
    assert (await model.complete(REQ)).text.strip() == "ok"
    assert 30.0 <= sum(clock.delays) < 31.0  # fake seconds: it asked again until then and went soon after
    assert len(clock.delays) > 10  # never a busy spin: each ask followed by a wait


class Ticks:
    """A sleep the test steps through: each call says it was made, then waits for the test's go."""

    def __init__(self) -> None:
        self.asked: asyncio.Queue[float] = asyncio.Queue()
        self.go: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, delay: float) -> None:
        await self.asked.put(delay)
        await self.go.get()


async def test_a_slot_held_longer_than_its_lease_is_renewed_by_its_process(redis_url):
    clock, ticks = FakeClock(), Ticks()
    holder = RedisLimitStore(redis_url, clock=clock, lease_s=30.0, sleep=ticks.sleep)
    other = RedisLimitStore(redis_url, clock=clock, lease_s=30.0, renew_s=0)
    assert await holder.enter(KEY, "long stream", 1) is not None
    assert await asyncio.wait_for(ticks.asked.get(), DEADLINE_S) == pytest.approx(10.0)  # renews every third
    for _ in range(3):  # 60 fake seconds, twice the lease, renewed every 20
        clock.now += 20.0
        await ticks.go.put(None)
        await asyncio.wait_for(ticks.asked.get(), DEADLINE_S)  # renewed, and sleeping again
        assert await other.enter(KEY, "other", 1) is None
    await holder.leave(KEY, "long stream")
    assert await other.enter(KEY, "other", 1) is not None


async def test_a_cancelled_request_gives_its_shared_slot_back(redis_url):
    upstream = Upstream()
    one, other = replica(redis_url, upstream, "one", ceiling=1), replica(redis_url, upstream, "other", ceiling=1)
    sent = asyncio.create_task(one.complete(REQ))
    await upstream.until(lambda: len(upstream.held) == 1)
    waiting = asyncio.create_task(other.complete(REQ))
    for _ in range(5):
        await asyncio.sleep(0)  # let it ask for a slot (and find none)
    waiting.cancel()  # cancelled while waiting for a slot
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await slots_taken(redis_url) == 1
    sent.cancel()  # cancelled in flight
    with pytest.raises(asyncio.CancelledError):
        await sent
    assert await slots_taken(redis_url) == 0
    again = asyncio.create_task(other.complete(REQ))
    await upstream.until(lambda: len(upstream.held) == 2)
    upstream.held[1].set()
    assert (await again).text.strip() == "ok"


async def test_an_unreachable_redis_keeps_the_in_flight_limit_per_process_and_warns_once(caplog):
    upstream = Upstream()
    url = f"redis://127.0.0.1:{free_port()}/0"
    model = replica(url, upstream, "one", ceiling=2, fallback=MemoryLimitStore())
    with caplog.at_level(logging.WARNING, logger="medchat.gateway"):
        tasks = [asyncio.create_task(model.complete(REQ)) for _ in range(4)]
        await upstream.until(lambda: len(upstream.held) == 2)
        for released in range(1, 5):
            upstream.held[released - 1].set()
            await upstream.sent(min(released + 2, 4), at_most=2)
        await asyncio.gather(*tasks)
    assert upstream.max_in_flight == 2  # this process's limit still holds
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("medchat")]
    assert len(warnings) == 1 and "kept in this process" in warnings[0].getMessage()


async def never(_seconds: float) -> None:
    """A back-off that never ends: only a notice that a slot was given back can wake a waiting request."""
    await asyncio.Event().wait()


async def subscribers(url: str) -> int:
    import redis.asyncio

    async with redis.asyncio.Redis.from_url(url) as client:
        return int(dict(await client.pubsub_numsub("medchat:aimd:slots-freed"))[b"medchat:aimd:slots-freed"])


async def until_subscribers(url: str, count: int) -> None:
    async with asyncio.timeout(DEADLINE_S):  # Redis has no event for a new subscriber: ask until it says so
        while await subscribers(url) != count:  # noqa: ASYNC110 - nothing to await in this process
            await asyncio.sleep(0.01)


async def test_a_slot_given_back_wakes_a_replica_waiting_for_one_before_its_back_off_ends(redis_url):
    upstream = Upstream()
    one = replica(redis_url, upstream, "one", ceiling=1)
    other = AdaptiveLimit(Held(upstream, "other"), key=KEY, ceiling=1, store=RedisLimitStore(redis_url), sleep=never)
    first = asyncio.create_task(one.complete(REQ))
    await upstream.until(lambda: len(upstream.held) == 1)
    second = asyncio.create_task(other.complete(REQ))
    await until_subscribers(redis_url, 1)  # waiting for the slot, subscribed to its notice
    assert len(upstream.held) == 1
    upstream.held[0].set()
    await first
    await upstream.until(lambda: len(upstream.held) == 2)  # woken by the notice: its back-off never ends
    upstream.held[1].set()
    await asyncio.wait_for(second, DEADLINE_S)
    assert upstream.served == ["one", "other"] and upstream.max_in_flight == 1
    await until_subscribers(redis_url, 0)  # nobody waits: the subscription is closed


async def test_a_step_cancelled_in_flight_is_done_whole_or_not_at_all_and_the_cancellation_reaches_the_caller(
        redis_url):
    """redis-py (#2028, #2624 in older releases) once swallowed such a cancellation or left the connection a reply
    behind; this holds the client it ships with to neither. Whether the step itself ran is up to the race between
    UNPAUSE and the client dropping its connection on the cancellation (Redis discards a paused command whose
    client has gone): either way it ran whole or not at all — the script is atomic — and a slot it took is the
    caller's to give back, or expires with its lease."""
    import redis.asyncio

    store = RedisLimitStore(redis_url)
    assert await store.enter(KEY, "first", 3) is not None  # the client is connected before Redis is paused
    async with redis.asyncio.Redis.from_url(redis_url) as admin:
        # Clients other tests left blocked count too: wait for one more than before, the step's own.
        already = (await admin.info("clients"))["blocked_clients"]
        await admin.execute_command("CLIENT", "PAUSE", int(DEADLINE_S * 1000), "WRITE")  # every write waits
        try:
            step = asyncio.create_task(store.enter(KEY, "second", 3))
            async with asyncio.timeout(DEADLINE_S):  # until the step's script is sent and held by the pause
                while (await admin.info("clients"))["blocked_clients"] <= already:  # noqa: ASYNC110 - no event for it
                    await asyncio.sleep(0.01)
            step.cancel()
        finally:
            await admin.execute_command("CLIENT", "UNPAUSE")
        with pytest.raises(asyncio.CancelledError):
            await step
        assert step.cancelled()
        # Redis runs the unpaused script, or drops it with its client, in a later turn of its event loop than
        # UNPAUSE: wait until the step's client is blocked no more, then the slots show which it was.
        async with asyncio.timeout(DEADLINE_S):
            while (await admin.info("clients"))["blocked_clients"] > already:  # noqa: ASYNC110 - no event for it
                await asyncio.sleep(0.01)
        assert set(await admin.zrange(SLOTS, 0, -1)) in ({b"first"}, {b"first", b"second"})
    assert await store.enter(KEY, "third", 3) is not None  # the connection is in step: the next reply is its own
    await store.leave(KEY, "first")
    await store.leave(KEY, "second")
    await store.leave(KEY, "third")
    assert await slots_taken(redis_url) == 0
