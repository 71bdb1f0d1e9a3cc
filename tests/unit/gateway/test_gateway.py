import asyncio

import pytest

from medchat.errors import AuthenticationError, ModelUnavailableError, RateLimitError, StreamInterruptedError
from medchat.errors import TimeoutError as MedchatTimeout
from medchat.gateway import ConcurrencyLimit, Retry, Timeout, with_reliability
from medchat.gateway.clock import current_clocks, not_waiting
from medchat.models.base import collect
from medchat.types import ChatRequest, Chunk
from tests.scripted import ScriptedModel

REQ = ChatRequest.of("hi")


class Sleeps:
    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def test_retry_backs_off_exponentially_with_jitter_then_succeeds():
    inner = ScriptedModel(ModelUnavailableError("503"), ModelUnavailableError("503"), "fine")
    sleeps = Sleeps()
    model = Retry(inner, backoff_base_s=1.0, jitter=0.5, sleep=sleeps, rng=lambda: 1.0)
    done = await model.complete(REQ)
    assert done.text == "fine "
    assert len(inner.calls) == 3
    assert sleeps.delays == [1.5, 3.0]  # base·2^(n-1), +50 % jitter at rng()=1


async def test_retry_honours_retry_after():
    inner = ScriptedModel(RateLimitError("429", retry_after=7.0), "ok")
    sleeps = Sleeps()
    await Retry(inner, sleep=sleeps).complete(REQ)
    assert sleeps.delays == [7.0]


async def test_retry_gives_up_on_a_very_long_retry_after():
    inner = ScriptedModel(RateLimitError("429", retry_after=3600.0), "ok")
    with pytest.raises(RateLimitError):
        await Retry(inner, sleep=Sleeps(), max_retry_after_s=60).complete(REQ)
    assert len(inner.calls) == 1


async def test_retry_stops_after_max_attempts_and_skips_permanent_errors():
    inner = ScriptedModel(*[ModelUnavailableError("down")] * 5)
    with pytest.raises(ModelUnavailableError):
        await Retry(inner, max_attempts=3, sleep=Sleeps()).complete(REQ)
    assert len(inner.calls) == 3

    inner = ScriptedModel(AuthenticationError("bad key"), "never")
    with pytest.raises(AuthenticationError):
        await Retry(inner, sleep=Sleeps()).complete(REQ)
    assert len(inner.calls) == 1


async def test_stream_retried_before_first_text_but_not_after():
    inner = ScriptedModel(ModelUnavailableError("down"), "streamed fine")
    done = await collect(Retry(inner, sleep=Sleeps()).stream(REQ))
    assert done.text == "streamed fine " and len(inner.calls) == 2

    inner = ScriptedModel(("partial", ["half "], StreamInterruptedError("cut")), "never")
    with pytest.raises(StreamInterruptedError):
        await collect(Retry(inner, sleep=Sleeps()).stream(REQ))
    assert len(inner.calls) == 1  # a retry would have duplicated "half "


async def test_timeout_on_complete_and_on_a_silent_stream():
    with pytest.raises(MedchatTimeout, match="no answer within 0.05s"):
        await Timeout(ScriptedModel("hang"), 0.05).complete(REQ)
    with pytest.raises(MedchatTimeout, match="no next token"):
        await collect(Timeout(ScriptedModel(("silent-after", "first")), 0.05).stream(REQ))


async def test_concurrency_limit_caps_requests_in_flight():
    inner = ScriptedModel(*["ok"] * 6)
    inner.gate = asyncio.Event()
    model = ConcurrencyLimit(inner, 2)
    tasks = [asyncio.create_task(model.complete(REQ)) for _ in range(6)]
    for _ in range(20):
        await asyncio.sleep(0)  # let every task reach the semaphore or the gate
    assert inner.in_flight == 2
    inner.gate.set()
    await asyncio.gather(*tasks)
    assert inner.max_in_flight == 2 and len(inner.calls) == 6


async def test_models_on_one_engine_share_one_slot_and_wait_outside_the_timeout():
    engine = ScriptedModel(*["ok"] * 4)  # one loaded engine used through two model objects
    engine.gate = asyncio.Event()
    engine.concurrency_key = ("engine", 1)
    engine.max_concurrency = 1
    first, second = with_reliability(engine), with_reliability(engine)
    other = ScriptedModel("ok")  # no key: its own slot
    tasks = [asyncio.create_task(m.complete(REQ)) for m in (first, second, first, second)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert engine.in_flight == 1  # the other three wait in the shared semaphore, not in the engine
    assert (await with_reliability(other).complete(REQ)).text.strip() == "ok"
    engine.gate.set()
    await asyncio.gather(*tasks)
    assert engine.max_in_flight == 1 and len(engine.calls) == 4


async def test_default_stack_limits_local_models_to_their_own_concurrency():
    inner = ScriptedModel("x")
    inner.max_concurrency = 1
    stack = with_reliability(inner)
    assert isinstance(stack, Retry)
    assert stack.inner.limit == 1


async def test_model_loading_does_not_count_against_the_timeout():
    class SlowLoad(ScriptedModel):
        loads = 0

        async def load(self) -> None:
            self.loads += 1
            await asyncio.sleep(0.2)  # longer than the timeout below: a big model on a slow disk

    model = SlowLoad("answer", "streamed")
    done = await Timeout(model, 0.05).complete(REQ)
    assert done.text == "answer "
    streamed = await collect(Timeout(model, 0.05).stream(REQ))
    assert streamed.text == "streamed "
    assert model.loads == 2


async def test_leaving_a_stream_early_closes_the_provider_stream_at_once():
    closed = asyncio.Event()

    class Tracks(ScriptedModel):
        async def _stream(self, request):
            try:
                async for chunk in super()._stream(request):
                    yield chunk
            finally:
                closed.set()

    stream = with_reliability(Tracks("one two three")).stream(REQ)
    async for _ in stream:
        break
    await stream.aclose()
    assert closed.is_set()  # not left for the garbage collector


class FakeClock:
    """Seconds that move only when a (fake) backoff sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 100.0
        self.delays: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        self.now += delay


async def test_an_answer_carries_its_attempts_and_the_whole_wait_including_backoff():
    clock = FakeClock()
    inner = ScriptedModel(ModelUnavailableError("503"), MedchatTimeout("no answer"), "fine")
    model = Retry(inner, backoff_base_s=1.0, jitter=0.0, sleep=clock.sleep, clock=clock)

    done = await model.complete(REQ)

    assert done.timing.attempts == 3
    assert clock.delays == [1.0, 2.0]
    assert done.timing.e2e_s == pytest.approx(3.0)  # both backoffs; the scripted attempts take no fake time
    assert done.timing.total_s < 1.0  # the answering attempt's own latency, as before

    clock = FakeClock()
    streamed = await collect(Retry(ScriptedModel(StreamInterruptedError("cut"), "streamed"), backoff_base_s=0.5,
                                   jitter=0.0, sleep=clock.sleep, clock=clock).stream(REQ))
    assert streamed.timing.attempts == 2 and streamed.timing.e2e_s == pytest.approx(0.5)


async def test_a_first_try_answer_has_one_attempt_and_no_waits():
    clock = FakeClock()
    done = await Retry(ScriptedModel("ok"), sleep=clock.sleep, clock=clock).complete(REQ)
    assert done.timing.attempts == 1 and done.timing.e2e_s == 0.0


async def test_waiting_for_a_busy_shared_engine_is_not_end_to_end_time():
    clock = FakeClock()
    engine = ScriptedModel("first", "second")
    engine.gate = asyncio.Event()
    engine.concurrency_key = ("engine", 2)
    stack = [Retry(ConcurrencyLimit(Timeout(engine, 60), 1), sleep=clock.sleep, clock=clock) for _ in range(2)]
    first = asyncio.create_task(stack[0].complete(REQ))
    for _ in range(5):
        await asyncio.sleep(0)
    second = asyncio.create_task(stack[1].complete(REQ))
    for _ in range(5):
        await asyncio.sleep(0)
    assert engine.in_flight == 1  # the second request queues for the engine
    clock.now += 10.0  # the first answer takes 10 s while the second waits for the engine
    engine.gate.set()
    one, two = await asyncio.gather(first, second)
    assert one.timing.e2e_s == pytest.approx(10.0)
    assert two.timing.e2e_s == pytest.approx(0.0)  # its 10 s in the queue are not its own
    assert one.timing.attempts == two.timing.attempts == 1


class Steps(ScriptedModel):
    """Before each of its two chunks, ``queued`` fake seconds not waiting for this answer, then ``working``."""

    def __init__(self, clock: FakeClock, *, queued: float, working: float) -> None:
        super().__init__()
        self.clock, self.queued, self.working = clock, queued, working

    async def _stream(self, request):  # type: ignore[override]
        for text in ("one ", "two "):
            with not_waiting():
                self.clock.now += self.queued
            self.clock.now += self.working
            yield Chunk(text=text)
        yield Chunk(final=True, finish_reason="stop")


async def test_two_streams_interleaved_in_one_task_each_leave_out_only_their_own_waits():
    clock = FakeClock()
    queues = Retry(Steps(clock, queued=5.0, working=1.0), sleep=clock.sleep, clock=clock).stream(REQ)
    works = Retry(Steps(clock, queued=0.0, working=2.0), sleep=clock.sleep, clock=clock).stream(REQ)
    finals = {}
    for _ in range(3):  # one step of each in turn, as a consumer merging two streams does
        for name, stream in (("queues", queues), ("works", works)):
            chunk = await anext(stream)
            assert current_clocks() == ()  # between steps no clock is current: the consumer's waits are its own
            if chunk.final:
                finals[name] = chunk.timing
    # queues: started at 100, finished at 116, 2 × 5 s queued; works: started at 106 (its first step), 0 queued
    assert finals["queues"].e2e_s == pytest.approx(6.0)
    assert finals["works"].e2e_s == pytest.approx(10.0)
    for stream in (queues, works):
        with pytest.raises(StopAsyncIteration):
            await anext(stream)
    assert current_clocks() == ()


async def test_a_clock_around_another_leaves_out_the_same_waits():
    clock = FakeClock()
    inner = Retry(Steps(clock, queued=5.0, working=1.0), sleep=clock.sleep, clock=clock)
    done = await collect(Retry(inner, sleep=clock.sleep, clock=clock).stream(REQ))
    assert done.timing.e2e_s == pytest.approx(2.0)  # 12 s in all, 10 of them queued
