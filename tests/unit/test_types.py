import pytest
from pydantic import ValidationError

from medchat.types import ChatRequest, Chunk, GenerationParams, Message, Timing, Usage


def test_request_shorthand_builds_system_and_user_messages():
    r = ChatRequest.of("Is ibuprofen safe with asthma?", system="Be careful.", max_tokens=20, temperature=0)
    assert [m.role for m in r.messages] == ["system", "user"]
    assert r.params.max_tokens == 20 and r.params.temperature == 0
    assert r.system_prompt == "Be careful."
    assert r.turns == [Message.user("Is ibuprofen safe with asthma?")]


def test_request_needs_a_message_and_valid_params():
    with pytest.raises(ValidationError):
        ChatRequest(messages=[])
    with pytest.raises(ValidationError):
        GenerationParams(temperature=3)
    with pytest.raises(ValidationError):
        GenerationParams(max_tokens=0)


def test_params_merge_keeps_only_explicitly_set_values():
    defaults = GenerationParams(temperature=0.2, max_tokens=256)
    merged = defaults.merged(GenerationParams(max_tokens=10, stop=["\n"]))
    assert merged.temperature == 0.2
    assert merged.max_tokens == 10
    assert merged.stop == ["\n"]
    assert defaults.merged(None) is defaults


def test_timing_definitions():
    t = Timing.measure(start=10.0, first_token=10.5, end=12.5, completion_tokens=5)
    assert t.ttft_s == pytest.approx(0.5)
    assert t.total_s == pytest.approx(2.5)
    assert t.tpot_s == pytest.approx(0.5)  # (2.5 - 0.5) / (5 - 1)
    assert t.tokens_per_s == pytest.approx(2.0)


def test_timing_without_streaming_has_ttft_equal_total_and_no_tpot():
    t = Timing.measure(start=0.0, first_token=None, end=2.0, completion_tokens=10, streamed=False)
    assert t.ttft_s == t.total_s == 2.0
    assert t.tpot_s is None
    assert t.tokens_per_s == 5.0


def test_timing_with_no_tokens():
    t = Timing.measure(start=0.0, first_token=None, end=1.0, completion_tokens=0)
    assert t.ttft_s is None and t.tpot_s is None and t.tokens_per_s is None


def test_usage_total_is_serialised():
    assert Usage(prompt_tokens=3, completion_tokens=4).model_dump()["total_tokens"] == 7


def test_final_chunk_always_has_usage():
    c = Chunk(final=True, finish_reason="stop")
    assert c.usage is not None and c.usage.estimated
