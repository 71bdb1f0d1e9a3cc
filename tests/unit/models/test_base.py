import pytest

from medchat.config import Price
from medchat.errors import StreamInterruptedError
from medchat.models.base import collect, map_finish_reason
from medchat.types import ChatRequest, Chunk, GenerationParams, Usage
from tests.scripted import ScriptedModel


async def test_stream_yields_text_then_a_final_chunk_with_measurements():
    model = ScriptedModel("one two three", usage=Usage(prompt_tokens=7, completion_tokens=3),
                          price=Price(input=1.0, output=2.0))
    chunks = [c async for c in model.stream(ChatRequest.of("hi"))]
    assert [c.text for c in chunks[:-1]] == ["one ", "two ", "three "]
    final = chunks[-1]
    assert final.final and final.finish_reason == "stop" and final.model == "test/scripted"
    assert final.usage == Usage(prompt_tokens=7, completion_tokens=3)
    assert final.timing.ttft_s <= final.timing.total_s
    assert final.timing.tpot_s is not None and final.timing.tokens_per_s > 0
    assert final.cost_usd == pytest.approx((7 * 1.0 + 3 * 2.0) / 1e6)


async def test_usage_is_estimated_when_the_provider_reports_none():
    model = ScriptedModel("a b c d")
    done = await collect(model.stream(ChatRequest.of("x" * 40)))
    assert done.usage.estimated
    assert done.usage.completion_tokens == 4  # one per streamed piece
    assert done.usage.prompt_tokens == 10  # ≈ 4 characters a token
    assert done.cost_usd is None  # no price known: unknown, not zero


async def test_complete_gathers_the_stream_when_not_native():
    model = ScriptedModel("hello world")
    done = await model.complete(ChatRequest.of("hi"))
    assert done.text == "hello world "
    assert done.timing.ttft_s == done.timing.total_s and done.timing.tpot_s is None


async def test_a_stream_without_final_chunk_is_an_interruption():
    class Cut(ScriptedModel):
        async def _stream(self, request):
            yield Chunk(text="partial")

    with pytest.raises(StreamInterruptedError, match="before the model finished"):
        await collect(Cut().stream(ChatRequest.of("hi")))


async def test_default_params_apply_under_the_request_params():
    model = ScriptedModel("x", params=GenerationParams(temperature=0.2, max_tokens=100))
    await model.complete(ChatRequest.of("hi", max_tokens=5))
    sent = model.calls[0].params
    assert sent.temperature == 0.2 and sent.max_tokens == 5


def test_local_models_are_free():
    class Local(ScriptedModel):
        is_local = True

    assert Local().cost(Usage(prompt_tokens=100, completion_tokens=100)) == 0.0


@pytest.mark.parametrize(("raw", "ours"), [("stop", "stop"), ("STOP", "stop"), ("MAX_TOKENS", "length"),
                                           ("length", "length"), ("SAFETY", "content_filter"), (None, "unknown"),
                                           ("weird", "unknown")])
def test_finish_reasons_normalised(raw, ours):
    assert map_finish_reason(raw) == ours
