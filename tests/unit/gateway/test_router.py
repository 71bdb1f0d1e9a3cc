import asyncio
import random
from collections import Counter

import pytest

from medchat.errors import BadRequestError, ModelUnavailableError, StreamInterruptedError
from medchat.errors import TimeoutError as MedchatTimeout
from medchat.gateway.router import Router
from medchat.models.base import collect
from medchat.types import ChatRequest
from tests.scripted import ScriptedModel
from tests.unit.gateway.fakes import FakeClock, Slow, settle

REQ = ChatRequest.of("hi")


def answering(name: str, n: int = 50) -> ScriptedModel:
    return ScriptedModel(*[name] * n, name=f"test/{name}")


async def test_least_busy_sends_each_request_to_the_deployment_with_fewest_in_flight():
    a, b = answering("a"), answering("b")
    a.gate, b.gate = asyncio.Event(), asyncio.Event()
    router = Router([a, b], strategy="least-busy")
    tasks = [asyncio.create_task(router.complete(REQ)) for _ in range(4)]
    await settle()
    assert (a.in_flight, b.in_flight) == (2, 2)
    a.gate.set()
    b.gate.set()
    await asyncio.gather(*tasks)


async def test_least_busy_alternates_while_idle():
    a, b = answering("a"), answering("b")
    router = Router([a, b], strategy="least-busy")
    answers = [(await router.complete(REQ)).text.strip() for _ in range(4)]
    assert answers == ["a", "b", "a", "b"]


async def test_latency_tries_unmeasured_first_then_the_fastest():
    clock = FakeClock()
    fast = Slow(*["fast"] * 20, clock=clock, latency=0.1, name="test/fast")
    slow = Slow(*["slow"] * 20, clock=clock, latency=2.0, name="test/slow")
    router = Router([slow, fast], strategy="latency", explore=0.0, clock=clock)
    first = [(await router.complete(REQ)).text.strip() for _ in range(2)]
    assert first == ["slow", "fast"]  # each measured once
    assert router.deployments[0].latency_s == pytest.approx(2.0)
    assert router.deployments[1].latency_s == pytest.approx(0.1)
    assert {(await router.complete(REQ)).text.strip() for _ in range(5)} == {"fast"}


async def test_latency_keeps_a_moving_average_and_explores_a_share_of_requests():
    clock = FakeClock()
    one = Slow(*["one"] * 300, clock=clock, latency=1.0, name="test/one")
    two = Slow(*["two"] * 300, clock=clock, latency=3.0, name="test/two")
    router = Router([one, two], strategy="latency", explore=0.2, latency_alpha=0.5, rng=random.Random(3),
                    clock=clock)
    counts = Counter([(await router.complete(REQ)).text.strip() for _ in range(200)])
    assert 20 <= counts["two"] <= 60  # ~20 % explored (and the first, unmeasured, call)
    one.latency = 5.0  # the fast one becomes slow: exploring finds out, the average follows
    for _ in range(30):
        await router.complete(REQ)
    assert router.deployments[0].latency_s > router.deployments[1].latency_s
    router.explore = 0.0
    assert (await router.complete(REQ)).text.strip() == "two"


async def test_weighted_picks_in_proportion_to_weight_reproducibly():
    def run(seed: int) -> Counter[str]:
        router = Router([answering("a", 400), answering("b", 400)], strategy="weighted", weights=[3.0, 1.0],
                        rng=random.Random(seed))
        return Counter(d.model.name for _ in range(400) for d in router.candidates()[:1])

    counts = run(7)
    assert counts == run(7)  # seeded: the same picks
    assert 0.7 < counts["test/a"] / 400 < 0.8


async def test_an_unavailable_deployment_is_passed_over_for_the_next():
    a = ScriptedModel(ModelUnavailableError("503"), name="test/a")
    b = answering("b")
    router = Router([a, b])
    assert (await router.complete(REQ)).text.strip() == "b"
    assert len(a.calls) == 1 and len(b.calls) == 1


async def test_a_bad_request_is_not_sent_to_another_deployment():
    a = ScriptedModel(BadRequestError("400"), name="test/a")
    b = answering("b")
    with pytest.raises(BadRequestError):
        await Router([a, b]).complete(REQ)
    assert b.calls == []


async def test_every_deployment_failing_raises_the_last_error():
    a = ScriptedModel(ModelUnavailableError("503"), name="test/a")
    b = ScriptedModel(MedchatTimeout("slow"), name="test/b")
    with pytest.raises(MedchatTimeout):
        await Router([a, b]).complete(REQ)


async def test_a_deployment_that_keeps_failing_cools_down_then_is_tried_again():
    clock = FakeClock()
    a = ScriptedModel(*[ModelUnavailableError("503")] * 3, "a back", name="test/a")
    b = answering("b")
    router = Router([a, b], strategy="least-busy", cooldown_failures=3, cooldown_window_s=60, cooldown_s=30,
                    clock=clock)
    router.deployments[1].picked = 100  # a is tried first while both are idle
    for _ in range(3):
        assert (await router.complete(REQ)).text.strip() == "b"  # a failed, b answered
    assert len(a.calls) == 3
    clock.now += 29
    for _ in range(5):
        assert (await router.complete(REQ)).text.strip() == "b"
    assert len(a.calls) == 3  # skipped while cooling down
    clock.now += 2
    assert (await router.complete(REQ)).text.strip() == "a back"  # tried again after cooldown_s


async def test_failures_spread_beyond_the_window_do_not_cool_a_deployment_down():
    clock = FakeClock()
    a = ScriptedModel(*[ModelUnavailableError("503")] * 3, name="test/a")
    router = Router([a, answering("b")], cooldown_failures=3, cooldown_window_s=10, clock=clock)
    router.deployments[1].picked = 100
    for _ in range(3):
        await router.complete(REQ)
        clock.now += 6
    assert router.deployments[0].cool_until < clock.now


async def test_while_every_deployment_cools_down_requests_fail_at_once():
    clock = FakeClock()
    a = ScriptedModel(ModelUnavailableError("503"), name="test/a")
    router = Router([a], cooldown_failures=1, cooldown_s=30, clock=clock)
    with pytest.raises(ModelUnavailableError, match="503"):
        await router.complete(REQ)
    with pytest.raises(ModelUnavailableError, match="cooling down.*30s"):
        await router.complete(REQ)
    assert len(a.calls) == 1


async def test_a_stream_fails_over_before_its_first_chunk_but_not_after():
    a = ScriptedModel(ModelUnavailableError("503"), name="test/a")
    router = Router([a, answering("b")])
    assert (await collect(router.stream(REQ))).text.strip() == "b"

    cut = ScriptedModel(("partial", ["half "], StreamInterruptedError("cut")), name="test/cut")
    other = answering("other")
    with pytest.raises(StreamInterruptedError):
        await collect(Router([cut, other]).stream(REQ))
    assert other.calls == []  # its answer would not continue "half "


async def test_in_flight_counts_return_to_zero_after_errors_and_abandoned_streams():
    router = Router([ScriptedModel(ModelUnavailableError("503"), name="test/a"), answering("b")])
    await router.complete(REQ)
    stream = router.stream(REQ)
    await anext(stream)
    await stream.aclose()
    assert [d.in_flight for d in router.deployments] == [0, 0]
