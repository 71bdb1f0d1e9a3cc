import asyncio

import pytest

from medchat.errors import ModelUnavailableError, RateLimitError
from medchat.gateway.adaptive import AdaptiveLimit, MemoryLimitStore, estimate_tokens
from medchat.gateway.retry import Retry
from medchat.models.base import collect
from medchat.types import ChatRequest, Usage
from tests.scripted import ScriptedModel
from tests.unit.gateway.fakes import FakeClock, settle

REQ = ChatRequest.of("hi")


def limited(inner, clock: FakeClock, store: MemoryLimitStore | None = None, **options) -> AdaptiveLimit:
    return AdaptiveLimit(inner, key="provider/model@url", store=store or MemoryLimitStore(clock=clock),
                         sleep=clock.sleep, **options)


async def test_a_429_halves_the_in_flight_limit_once_per_round():
    clock = FakeClock()
    inner = ScriptedModel(*[RateLimitError("429")] * 4)
    inner.gate = asyncio.Event()
    model = limited(inner, clock, ceiling=8)
    tasks = [asyncio.create_task(model.complete(REQ)) for _ in range(4)]
    await settle()
    inner.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, RateLimitError) for r in results)
    assert await model.in_flight_limit() == 4  # four 429s of one round: halved once, not to 1
    inner.gate = None
    inner.steps = [RateLimitError("429")]
    with pytest.raises(RateLimitError):
        await model.complete(REQ)  # began after the decrease: a new round
    assert await model.in_flight_limit() == 2


async def test_the_limit_never_falls_below_the_floor():
    clock = FakeClock()
    inner = ScriptedModel(*[RateLimitError("429")] * 5)
    model = limited(inner, clock, ceiling=8, floor=2)
    for _ in range(5):
        with pytest.raises(RateLimitError):
            await model.complete(REQ)
    assert await model.in_flight_limit() == 2


async def test_an_overloaded_server_halves_the_limit_but_a_plain_5xx_does_not():
    clock = FakeClock()
    inner = ScriptedModel(ModelUnavailableError("500", status=500), ModelUnavailableError("overloaded", status=503),
                          ModelUnavailableError("overloaded", status=529))
    model = limited(inner, clock, ceiling=8)
    with pytest.raises(ModelUnavailableError):
        await model.complete(REQ)
    assert await model.in_flight_limit() == 8
    with pytest.raises(ModelUnavailableError):
        await model.complete(REQ)
    assert await model.in_flight_limit() == 4
    with pytest.raises(ModelUnavailableError):
        await model.complete(REQ)
    assert await model.in_flight_limit() == 2


async def test_the_limit_grows_by_one_after_a_window_of_successes_up_to_the_ceiling():
    clock = FakeClock()
    inner = ScriptedModel(RateLimitError("429"), *["ok"] * 20)
    model = limited(inner, clock, ceiling=4, window=3)
    with pytest.raises(RateLimitError):
        await model.complete(REQ)
    limits = []
    for _ in range(9):
        await model.complete(REQ)
        limits.append(await model.in_flight_limit())
    assert limits == [2, 2, 3, 3, 3, 4, 4, 4, 4]


async def test_by_default_the_window_is_one_round_at_the_current_limit():
    clock = FakeClock()
    inner = ScriptedModel(RateLimitError("429"), *["ok"] * 20)
    model = limited(inner, clock, ceiling=8)
    with pytest.raises(RateLimitError):
        await model.complete(REQ)  # 8 → 4
    limits = []
    for _ in range(9):
        await model.complete(REQ)
        limits.append(await model.in_flight_limit())
    assert limits == [4, 4, 4, 5, 5, 5, 5, 5, 6]


async def test_requests_past_the_limit_wait_for_a_slot():
    clock = FakeClock()
    inner = ScriptedModel(RateLimitError("429"), *["ok"] * 6)
    model = limited(inner, clock, ceiling=4, window=100)
    with pytest.raises(RateLimitError):
        await model.complete(REQ)  # limit 2 now (and for the next 100 successes)
    inner.gate = asyncio.Event()
    tasks = [asyncio.create_task(model.complete(REQ)) for _ in range(6)]
    await settle()
    assert inner.in_flight == 2
    inner.gate.set()
    await asyncio.gather(*tasks)
    assert inner.max_in_flight == 2 and len(inner.calls) == 7


async def test_no_request_is_sent_before_a_retry_after_passes_for_any_wrapper_of_the_model():
    clock = FakeClock()
    store = MemoryLimitStore(clock=clock)
    first = ScriptedModel(RateLimitError("429", retry_after=5.0))
    other = ScriptedModel("ok")
    with pytest.raises(RateLimitError):
        await limited(first, clock, store).complete(REQ)
    sent_at = []

    async def ask() -> None:
        await limited(other, clock, store).complete(REQ)
        sent_at.append(clock.now)

    await ask()
    assert clock.delays == [5.0]  # held until the provider's Retry-After passed
    assert sent_at == [105.0]


async def test_a_retry_after_past_max_hold_fails_at_once_without_sending():
    clock = FakeClock()
    inner = ScriptedModel(RateLimitError("429", retry_after=600.0), "never")
    model = limited(inner, clock, max_hold_s=120)
    with pytest.raises(RateLimitError):
        await model.complete(REQ)
    with pytest.raises(RateLimitError, match="another 600s") as raised:
        await model.complete(REQ)
    assert raised.value.retry_after == pytest.approx(600.0)
    assert len(inner.calls) == 1 and clock.delays == []


async def test_rpm_paces_requests_evenly():
    clock = FakeClock()
    model = limited(ScriptedModel(*["ok"] * 4), clock, rpm=60)
    for _ in range(3):
        await model.complete(REQ)
    assert clock.delays == [1.0, 1.0]  # the first goes at once; then one a second

    clock = FakeClock()
    model = limited(ScriptedModel(*["ok"] * 4), clock, rpm=120)
    for _ in range(4):
        await model.complete(REQ)
    assert clock.delays == [0.5, 0.5]  # a bucket of one second's worth (2) first


async def test_tpm_counts_the_estimate_then_the_answers_usage():
    clock = FakeClock()
    request = ChatRequest.of("x" * 40)  # ≈ 10 tokens
    assert estimate_tokens(request) == 10
    assert estimate_tokens(ChatRequest.of("x" * 40, max_tokens=50)) == 60
    inner = ScriptedModel("a", "b", usage=Usage(prompt_tokens=10, completion_tokens=20))
    model = limited(inner, clock, tpm=600)  # 10 tokens a second, a bucket of 10
    await model.complete(request)  # 10 estimated: goes at once; 30 used: 20 more owed
    await model.complete(request)
    assert clock.delays == [pytest.approx(3.0)]  # 20 owed + 10 estimated at 10 a second


async def test_streams_hold_their_slot_and_count_their_final_usage():
    clock = FakeClock()
    inner = ScriptedModel("one two", "three", usage=Usage(prompt_tokens=10, completion_tokens=20))
    model = limited(inner, clock, ceiling=1, tpm=600)
    stream = model.stream(REQ)
    await anext(stream)
    second = asyncio.create_task(collect(model.stream(REQ)))
    await settle()
    assert len(inner.calls) == 1  # waits for the first stream's slot
    rest = [chunk async for chunk in stream]
    assert rest[-1].final
    assert (await second).text.strip() == "three"
    assert clock.delays == [pytest.approx(2.1)]  # 30 used by the first (1 estimated), 1 more: 21 owed, 10 a second


async def test_waiting_for_the_limits_is_not_the_answers_end_to_end_time():
    clock = FakeClock()
    model = Retry(limited(ScriptedModel("a", "b"), clock, rpm=60), sleep=clock.sleep, clock=clock)
    await model.complete(REQ)
    paced = await model.complete(REQ)
    assert clock.delays == [1.0]
    assert paced.timing.e2e_s == pytest.approx(0.0)  # queued a second for the rpm bucket: not the answer's time


async def test_a_cancelled_request_gives_its_slot_back():
    clock = FakeClock()
    inner = ScriptedModel("hang", "ok")
    model = limited(inner, clock, ceiling=1)
    task = asyncio.create_task(model.complete(REQ))
    await settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await model.complete(REQ)).text.strip() == "ok"
