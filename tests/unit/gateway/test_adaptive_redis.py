"""The adaptive limits in Redis (``storage/redis_limits_state.py``): two stacks standing for two replicas (or a
``medchat serve`` and a ``medchat eval``) share one limit and one Retry-After through a real throwaway Redis."""

import asyncio

import pytest

from medchat.config import load_settings
from medchat.errors import RateLimitError
from medchat.gateway import get_model
from medchat.gateway.adaptive import AdaptiveLimit, MemoryLimitStore, default_store, forget_stores
from medchat.storage.redis_limits_state import RedisLimitStore
from medchat.types import ChatRequest
from tests.postgres import free_port
from tests.scripted import ScriptedModel
from tests.unit.gateway.fakes import FakeClock, settle

REQ = ChatRequest.of("hi")
KEY = "provider/model@http://api/v1"


def replica(url: str, clock: FakeClock, *steps, **options) -> AdaptiveLimit:
    """One process's wrapper of the endpoint: its own store object and model, the shared Redis."""
    return AdaptiveLimit(ScriptedModel(*steps), key=KEY, store=RedisLimitStore(url, clock=clock), sleep=clock.sleep,
                         **options)


async def test_a_retry_after_seen_by_one_replica_holds_the_other(redis_url):
    clock = FakeClock()
    one = replica(redis_url, clock, RateLimitError("429", retry_after=30.0))
    other = replica(redis_url, clock, "ok")
    with pytest.raises(RateLimitError):
        await one.complete(REQ)
    assert (await other.complete(REQ)).text.strip() == "ok"
    assert clock.delays == [pytest.approx(30.0)]  # the other waited the whole Retry-After before sending


async def test_a_hold_past_max_hold_fails_the_other_replica_at_once(redis_url):
    clock = FakeClock()
    one = replica(redis_url, clock, RateLimitError("429", retry_after=600.0))
    other = replica(redis_url, clock, "never", max_hold_s=120.0)
    with pytest.raises(RateLimitError):
        await one.complete(REQ)
    with pytest.raises(RateLimitError) as raised:
        await other.complete(REQ)
    assert raised.value.retry_after == pytest.approx(600.0)
    assert other.inner.calls == []


async def test_a_halving_is_seen_by_both_replicas_and_happens_once_per_round(redis_url):
    clock = FakeClock()
    one = replica(redis_url, clock, RateLimitError("429"), ceiling=8)
    other = replica(redis_url, clock, RateLimitError("429"), ceiling=8)
    other.inner.gate = asyncio.Event()
    begun = asyncio.create_task(other.complete(REQ))  # in flight before the decrease: the same round
    await settle()
    with pytest.raises(RateLimitError):
        await one.complete(REQ)
    assert (await one.in_flight_limit(), await other.in_flight_limit()) == (4, 4)
    other.inner.gate.set()
    with pytest.raises(RateLimitError):
        await begun
    assert (await one.in_flight_limit(), await other.in_flight_limit()) == (4, 4)  # not halved twice
    other.inner.steps = [RateLimitError("429")]
    with pytest.raises(RateLimitError):
        await other.complete(REQ)  # a new round, seen by the first too
    assert (await one.in_flight_limit(), await other.in_flight_limit()) == (2, 2)


async def test_successes_of_both_replicas_grow_one_limit_back_to_the_ceiling(redis_url):
    clock = FakeClock()
    one = replica(redis_url, clock, RateLimitError("429"), *["ok"] * 10, ceiling=4, window=2)
    other = replica(redis_url, clock, *["ok"] * 10, ceiling=4, window=2)
    with pytest.raises(RateLimitError):
        await one.complete(REQ)
    limits = []
    for model in (one, other, one, other):
        await model.complete(REQ)
        limits.append(await model.in_flight_limit())
    assert limits == [2, 3, 3, 4]


async def test_the_request_buckets_are_shared(redis_url):
    clock = FakeClock()
    one = replica(redis_url, clock, "ok", rpm=60)  # one a second, a bucket of one
    other = replica(redis_url, clock, "ok", rpm=60)
    await one.complete(REQ)
    await other.complete(REQ)
    assert clock.delays == [pytest.approx(1.0)]


async def test_an_unreachable_redis_keeps_the_limits_in_this_process():
    clock = FakeClock()
    store = RedisLimitStore(f"redis://127.0.0.1:{free_port()}/0", clock=clock,
                            fallback=MemoryLimitStore(clock=clock))
    model = AdaptiveLimit(ScriptedModel(RateLimitError("429", retry_after=5.0), "ok"), key=KEY, store=store,
                          sleep=clock.sleep, ceiling=8)
    with pytest.raises(RateLimitError):
        await model.complete(REQ)
    assert await model.in_flight_limit() == 4
    assert (await model.complete(REQ)).text.strip() == "ok"
    assert clock.delays == [pytest.approx(5.0)]


def test_get_model_keeps_the_limits_in_redis_when_redis_url_is_set(redis_url):
    from medchat.storage.gateway_stores import gateway_stores

    forget_stores()
    try:
        settings, stores = load_settings(redis_url=redis_url), gateway_stores()
        adaptive = get_model("openai/m", settings=settings, base_url="http://api/v1", stores=stores).inner
        assert isinstance(adaptive.store, RedisLimitStore) and adaptive.store.state.url == redis_url
        again = get_model("openai/n", settings=settings, base_url="http://api/v1", stores=stores).inner
        assert again.store is adaptive.store  # one store per process and URL
        off = load_settings(redis_url=redis_url, gateway={"shared_limits": False})
        assert get_model("openai/m", settings=off, base_url="http://api/v1", stores=stores).inner.store \
            is default_store()
        # the gateway opens no store of its own: without the caller's, the limits stay in this process
        assert get_model("openai/m", settings=settings, base_url="http://api/v1").inner.store is default_store()
    finally:
        forget_stores()


def test_without_redis_url_the_limits_stay_in_this_process():
    adaptive = get_model("openai/m", settings=load_settings(), base_url="http://api/v1").inner
    assert adaptive.store is default_store()
