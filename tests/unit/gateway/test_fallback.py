import pytest

from medchat.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    IncompleteResponseError,
    ModelUnavailableError,
    RateLimitError,
    StreamInterruptedError,
    error_for_status,
)
from medchat.errors import TimeoutError as MedchatTimeout
from medchat.gateway.events import on_fallback
from medchat.gateway.fallback import Fallback, fallback_reason
from medchat.models.base import collect
from medchat.types import ChatRequest
from tests.scripted import ScriptedModel

REQ = ChatRequest.of("hi")


def model(name: str, *steps: object) -> ScriptedModel:
    return ScriptedModel(*(steps or (name,)), name=f"test/{name}")


@pytest.mark.parametrize(("error", "reason"), [
    (ModelUnavailableError("503", status=503), "unavailable"),
    (RateLimitError("429", retry_after=1.0), "rate_limited"),
    (MedchatTimeout("no answer"), "timeout"),
    (StreamInterruptedError("cut"), "interrupted"),
    (IncompleteResponseError("half a body"), "interrupted"),
])
async def test_an_unavailable_primary_is_answered_by_the_fallback_which_says_so(error, reason):
    primary, backup = model("primary", error), model("backup")
    done = await Fallback(primary, fallbacks=[backup]).complete(REQ)
    assert done.text.strip() == "backup"
    assert done.model == "test/backup"
    assert done.fallback == {"from": "test/primary", "to": "test/backup", "reason": reason}


async def test_an_answer_from_the_primary_has_no_fallback_mark():
    done = await Fallback(model("primary"), fallbacks=[model("backup")]).complete(REQ)
    assert done.model == "test/primary" and done.fallback is None


@pytest.mark.parametrize("error", [BadRequestError("max_tokens must be positive", status=400),
                                   AuthenticationError("bad key", status=401)])
async def test_a_bad_request_or_a_wrong_key_is_not_sent_to_a_fallback(error):
    backup = model("backup")
    with pytest.raises(type(error)):
        await Fallback(model("primary", error), fallbacks=[backup]).complete(REQ)
    assert backup.calls == []


async def test_fallbacks_are_tried_in_order_until_one_answers():
    first = model("first", ModelUnavailableError("503"))
    second = model("second", MedchatTimeout("slow"))
    third = model("third")
    fallback = Fallback(model("primary", RateLimitError("429")), fallbacks=[first, second, third])
    done = await fallback.complete(REQ)
    assert done.model == "test/third"
    # why the model asked was passed over, and who answered
    assert done.fallback == {"from": "test/primary", "to": "test/third", "reason": "rate_limited"}
    assert [len(m.calls) for m in (first, second, third)] == [1, 1, 1]


async def test_when_every_fallback_fails_the_last_error_is_raised():
    fallback = Fallback(model("primary", ModelUnavailableError("503")),
                        fallbacks=[model("only", MedchatTimeout("slow too"))])
    with pytest.raises(MedchatTimeout, match="slow too"):
        await fallback.complete(REQ)


async def test_a_prompt_too_long_goes_to_the_context_window_fallbacks_only():
    long_context, backup = model("long-context"), model("backup")
    fallback = Fallback(model("primary", ContextWindowExceededError("maximum context length is 8192 tokens")),
                        fallbacks=[backup], context_window_fallbacks=[long_context])
    done = await fallback.complete(REQ)
    assert done.model == "test/long-context"
    assert done.fallback == {"from": "test/primary", "to": "test/long-context", "reason": "context_window"}
    assert backup.calls == []


async def test_a_prompt_too_long_without_context_window_fallbacks_is_the_callers():
    backup = model("backup")
    with pytest.raises(ContextWindowExceededError):
        await Fallback(model("primary", ContextWindowExceededError("too long")), fallbacks=[backup]).complete(REQ)
    assert backup.calls == []


async def test_an_unavailable_primary_without_fallbacks_raises_its_own_error():
    with pytest.raises(ModelUnavailableError):
        await Fallback(model("primary", ModelUnavailableError("503"))).complete(REQ)


async def test_a_stream_falls_back_before_its_first_chunk_and_marks_its_final_chunk():
    fallback = Fallback(model("primary", ModelUnavailableError("503")), fallbacks=[model("backup")])
    done = await collect(fallback.stream(REQ))
    assert done.text.strip() == "backup"
    assert done.fallback == {"from": "test/primary", "to": "test/backup", "reason": "unavailable"}

    backup = model("backup")
    cut = Fallback(model("primary", ("partial", ["half "], StreamInterruptedError("cut"))), fallbacks=[backup])
    with pytest.raises(StreamInterruptedError):
        await collect(cut.stream(REQ))
    assert backup.calls == []  # "half " already reached the caller


async def test_each_fallback_tried_is_told_to_listeners():
    seen: list[tuple[str, str, str]] = []

    class Listener:
        def record(self, *event: str) -> None:
            seen.append(event)

    listener = Listener()
    stop = on_fallback(listener.record)
    try:
        fallback = Fallback(model("primary", ModelUnavailableError("503")),
                            fallbacks=[model("first", MedchatTimeout("slow")), model("second")])
        await fallback.complete(REQ)
    finally:
        stop()
    assert seen == [("test/primary", "test/first", "unavailable"), ("test/primary", "test/second", "timeout")]
    await Fallback(model("primary", ModelUnavailableError("503")), fallbacks=[model("x")]).complete(REQ)
    assert len(seen) == 2  # stopped


async def test_the_server_counts_fallbacks_in_its_registry():
    from medchat.server.metrics import Metrics

    metrics = Metrics()
    await Fallback(model("primary", ModelUnavailableError("503")), fallbacks=[model("backup")]).complete(REQ)
    value = metrics.registry.get_sample_value(
        "medchat_fallbacks_total", {"model": "test/primary", "fallback": "test/backup", "reason": "unavailable"})
    assert value == 1.0
    del metrics  # held weakly: a discarded app's metrics stop listening
    await Fallback(model("primary", ModelUnavailableError("503")), fallbacks=[model("backup")]).complete(REQ)


@pytest.mark.parametrize(("status", "detail"), [
    (400, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."),
    (400, "the request exceeds the available context size, try increasing it"),  # llama.cpp's server
    (400, "INVALID_ARGUMENT The input token count (1048580) exceeds the maximum number of tokens allowed (1048576)."),
    (422, "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096"),  # TGI
])
def test_providers_context_length_errors_become_context_window_errors(status, detail):
    error = error_for_status(status, detail, model="m")
    assert isinstance(error, ContextWindowExceededError) and isinstance(error, BadRequestError)
    assert fallback_reason(error) == "context_window"
    assert not error.retryable


def test_other_rejections_stay_bad_requests():
    error = error_for_status(400, "temperature must be at most 2", model="m")
    assert type(error) is BadRequestError and fallback_reason(error) is None


async def test_a_fallback_streams_first_chunk_says_so_before_any_text_is_sent():
    fallback = Fallback(model("primary", ModelUnavailableError("503")), fallbacks=[model("backup")])
    chunks = [chunk async for chunk in fallback.stream(REQ)]
    mark = {"from": "test/primary", "to": "test/backup", "reason": "unavailable"}
    assert chunks[0].fallback == mark and chunks[-1].fallback == mark
    assert all(chunk.fallback is None for chunk in chunks[1:-1])
    plain = [chunk async for chunk in Fallback(model("primary"), fallbacks=[model("backup")]).stream(REQ)]
    assert all(chunk.fallback is None for chunk in plain)
