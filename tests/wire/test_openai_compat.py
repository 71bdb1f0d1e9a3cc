"""Wire tests: the real ``openai`` SDK, driven through medchat, against a fake OpenAI-compatible server.

The fake server speaks the chat-completions protocol as OpenAI documents it: a JSON body for plain
calls, and for ``stream=true`` server-sent ``chat.completion.chunk`` events ending with
``data: [DONE]`` (with ``stream_options.include_usage`` the usage comes in one last chunk whose
``choices`` is empty). Every test talks to 127.0.0.1 only; none sleeps to wait for something.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from medchat.config import Price, RetrySettings, Settings
from medchat.errors import (
    AuthenticationError,
    BadRequestError,
    ModelNotFoundError,
    ModelUnavailableError,
    ProviderError,
    RateLimitError,
    StreamInterruptedError,
    TimeoutError,
)
from medchat.gateway import ConcurrencyLimit, Retry, get_model
from medchat.models.base import ChatModel, collect
from medchat.models.openai_compat import OpenAICompatModel
from medchat.models.registry import create_model
from medchat.types import ChatRequest, Chunk, Message, Usage
from tests.wire.fake_server import FakeServer, Reply, sse

MODEL_ID = "Qwen/Qwen2.5-7B-Instruct"
CREATED = 1_750_000_000


# -- response builders (the OpenAI chat-completions wire format) -------------------------------------------
def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def completion_body(text: str = "Hello there.", *, finish_reason: str = "stop", prompt_tokens: int = 12,
                    completion_tokens: int = 3, usage: bool = True) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL_ID,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text, "refusal": None},
            "logprobs": None,
            "finish_reason": finish_reason,
        }],
        "system_fingerprint": "fp_test",
    }
    if usage:
        body["usage"] = _usage(prompt_tokens, completion_tokens)
    return body


def chunk(content: str | None = None, *, role: str | None = None, finish_reason: str | None = None,
          with_usage_field: bool = True) -> dict[str, Any]:
    """One ``chat.completion.chunk`` with a single choice (``usage: null`` as OpenAI sends it)."""
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    event: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": MODEL_ID,
        "system_fingerprint": "fp_test",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    if with_usage_field:
        event["usage"] = None
    return event


def usage_chunk(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """The last chunk of an ``include_usage`` stream: no choices, only usage."""
    return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": CREATED, "model": MODEL_ID,
            "system_fingerprint": "fp_test", "choices": [], "usage": _usage(prompt_tokens, completion_tokens)}


def stream_events(*texts: str, finish_reason: str | None = "stop", usage: tuple[int, int] | None = (12, 5),
                  done: bool = True) -> list[bytes]:
    """A whole streamed answer: role chunk, one chunk per text, finish chunk, usage chunk, ``[DONE]``."""
    events: list[dict[str, Any]] = [chunk("", role="assistant")]
    events += [chunk(text) for text in texts]
    if finish_reason is not None:
        events.append(chunk(finish_reason=finish_reason))
    if usage is not None:
        events.append(usage_chunk(*usage))
    return sse(*events, done=done)


def stream_reply(*texts: str, **kwargs: Any) -> Reply:
    return Reply(stream=stream_events(*texts, **kwargs), content_type="text/event-stream")


def error_reply(status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                headers: dict[str, str] | None = None) -> Reply:
    """An OpenAI-style error body: ``{"error": {"message", "type", "param", "code"}}``."""
    return Reply(status=status, json={"error": {"message": message, "type": type_, "param": None, "code": code}},
                 headers=headers or {})


def ok_reply(text: str = "Hello there.", **kwargs: Any) -> Reply:
    return Reply(json=completion_body(text, **kwargs))


# -- fixtures ----------------------------------------------------------------------------------------------
Factory = Callable[..., Any]


@pytest.fixture
async def make(fake_server: FakeServer) -> AsyncIterator[Factory]:
    """``make("vllm/x", reliable=False, **options)``: a model pointed at the fake server, closed afterwards."""
    built: list[ChatModel] = []

    def factory(spec: str = f"vllm/{MODEL_ID}", *, reliable: bool = False, settings: Settings | None = None,
                **options: Any) -> Any:
        options.setdefault("base_url", f"{fake_server.url}/v1")
        model = get_model(spec, settings=settings or Settings(), reliable=reliable, **options)
        built.append(model)
        return model

    yield factory
    for model in built:
        await model.aclose()


def fast_retry(max_attempts: int = 4, **kwargs: Any) -> Settings:
    """Settings whose retries wait 0 s between attempts (no real sleeping in tests)."""
    return Settings(retry=RetrySettings(max_attempts=max_attempts, backoff_base_s=0.0, jitter=0.0), **kwargs)


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def chunks_of(model: ChatModel, request: ChatRequest) -> list[Chunk]:
    return [c async for c in model.stream(request)]


# -- plain completion ----------------------------------------------------------------------------------------
async def test_completion_text_finish_reason_and_usage(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply("Take it with food.", prompt_tokens=21, completion_tokens=4))
    model = make()

    result = await model.complete(ChatRequest.of("How should I take ibuprofen?"))

    assert result.text == "Take it with food."
    assert result.finish_reason == "stop"
    assert result.usage == Usage(prompt_tokens=21, completion_tokens=4, estimated=False)
    assert result.usage.total_tokens == 25
    assert result.model == f"vllm/{MODEL_ID}"
    assert result.timing.ttft_s == result.timing.total_s  # not streamed: TTFT is the whole call
    (req,) = fake_server.requests
    assert (req.method, req.path) == ("POST", "/v1/chat/completions")
    assert req.json["model"] == MODEL_ID
    assert not req.json.get("stream")


async def test_completion_length_finish_reason(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply("It depends on", finish_reason="length"))
    result = await make().complete(ChatRequest.of("Explain dosing.", max_tokens=3))
    assert result.finish_reason == "length"


async def test_completion_without_usage_is_estimated(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply("abcdefgh", usage=False))
    result = await make().complete(ChatRequest.of("12345678"))
    assert result.usage.estimated is True
    assert result.usage.completion_tokens == 2  # ≈ 4 characters a token
    assert result.usage.prompt_tokens == 2


async def test_loopback_server_is_local_and_costs_nothing(fake_server: FakeServer, make: Factory) -> None:
    settings = Settings(pricing={f"openai/{MODEL_ID}": Price(input=2.0, output=8.0)})
    fake_server.queue(ok_reply())
    model = make(f"openai/{MODEL_ID}", settings=settings, api_key="sk-test")

    result = await model.complete(ChatRequest.of("Hi"))

    assert model.price == Price(input=2.0, output=8.0)  # the price table reached the model...
    assert model.is_local is True  # ...but a server on this machine is free
    assert result.cost_usd == 0.0


async def test_remote_model_cost_uses_the_price_table(fake_server: FakeServer, make: Factory) -> None:
    settings = Settings(pricing={f"openai/{MODEL_ID}": Price(input=2.0, output=8.0)})
    fake_server.queue(ok_reply(prompt_tokens=1000, completion_tokens=500))
    model = make(f"openai/{MODEL_ID}", settings=settings, api_key="sk-test")
    # The server is on loopback so medchat would call it free; treat it as the remote host it stands in for.
    model.is_local = False

    result = await model.complete(ChatRequest.of("Hi"))

    assert result.cost_usd == pytest.approx((1000 * 2.0 + 500 * 8.0) / 1e6)


def test_is_local_follows_the_base_url_host() -> None:
    def local(base_url: str) -> bool:
        return create_model(f"vllm/{MODEL_ID}", Settings(), base_url=base_url).is_local  # type: ignore[attr-defined]

    assert local("http://localhost:8000/v1")
    assert local("http://127.0.0.1:8000/v1")
    assert local("http://[::1]:8000/v1")
    assert not local("https://gpu-box.example.com/v1")
    settings = Settings(pricing={"openai/my-model": Price(input=1.5, output=6.0)})
    remote = create_model("openai/my-model", settings, api_key="sk-test")
    assert isinstance(remote, OpenAICompatModel)
    assert remote.is_local is False
    assert remote.cost(Usage(prompt_tokens=2_000_000, completion_tokens=1_000_000)) == pytest.approx(3.0 + 6.0)
    unpriced = create_model("openai/no-such-price", Settings(), api_key="sk-test")
    assert unpriced.cost(Usage(prompt_tokens=10, completion_tokens=10)) is None  # type: ignore[attr-defined]


# -- streaming -----------------------------------------------------------------------------------------------
async def test_stream_yields_chunks_in_order_then_totals(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("Drink ", "plenty ", "of ", "water", ".", usage=(17, 5)))
    model = make()

    chunks = await chunks_of(model, ChatRequest.of("Advice for a cold?"))

    *texts, final = chunks
    assert [c.text for c in texts] == ["Drink ", "plenty ", "of ", "water", "."]
    assert all(not c.final for c in texts)
    assert "".join(c.text for c in texts) == "Drink plenty of water."
    assert final.final is True
    assert final.text == ""
    assert final.finish_reason == "stop"
    assert final.usage == Usage(prompt_tokens=17, completion_tokens=5, estimated=False)
    assert final.model == f"vllm/{MODEL_ID}"
    assert final.cost_usd == 0.0
    timing = final.timing
    assert timing is not None
    assert timing.ttft_s is not None
    assert 0.0 <= timing.ttft_s <= timing.total_s
    assert timing.tpot_s is not None
    assert timing.tpot_s >= 0.0
    assert timing.tokens_per_s is not None
    assert timing.tokens_per_s > 0
    (req,) = fake_server.requests
    assert req.json["stream"] is True
    assert req.json["stream_options"] == {"include_usage": True}


async def test_stream_collects_into_a_completion(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("Rest", " and fluids.", finish_reason="length", usage=(9, 2)))
    result = await collect(make().stream(ChatRequest.of("Flu?")))
    assert result.text == "Rest and fluids."
    assert result.finish_reason == "length"
    assert result.usage.prompt_tokens == 9
    assert result.usage.completion_tokens == 2


async def test_stream_without_usage_chunk_is_estimated(fake_server: FakeServer, make: Factory) -> None:
    # Older compatible servers ignore stream_options and never send usage.
    events = sse(chunk("", role="assistant", with_usage_field=False),
                 *(chunk(t, with_usage_field=False) for t in ("a", "b", "c")),
                 chunk(finish_reason="stop", with_usage_field=False))
    fake_server.queue(Reply(stream=events, content_type="text/event-stream"))

    *_, final = await chunks_of(make(), ChatRequest.of("Hi"))

    assert final.usage is not None
    assert final.usage.estimated is True
    assert final.usage.completion_tokens == 3  # one token per streamed piece
    assert final.usage.prompt_tokens >= 1
    assert final.finish_reason == "stop"


async def test_stream_usage_option_off_sends_no_stream_options(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("ok", usage=None))
    await chunks_of(make(stream_usage=False), ChatRequest.of("Hi"))
    (req,) = fake_server.requests
    assert req.json["stream"] is True
    assert "stream_options" not in req.json


# -- request mapping -----------------------------------------------------------------------------------------
async def test_request_maps_messages_and_params_for_compatible_servers(fake_server: FakeServer,
                                                                        make: Factory) -> None:
    fake_server.queue(ok_reply())
    request = ChatRequest(
        messages=[Message.system("You are a careful clinician."), Message.user("I have a headache."),
                  Message.assistant("Since when?"), Message.user("Two days.")],
        params={"temperature": 0.2, "top_p": 0.9, "seed": 7, "stop": ["\n\n", "END"], "max_tokens": 64,
                "frequency_penalty": 0.5, "presence_penalty": -0.5, "top_k": 40, "repetition_penalty": 1.1},
    )

    await make(extra_body={"chat_template_kwargs": {"enable_thinking": False}}).complete(request)

    body = fake_server.requests[0].json
    assert body["model"] == MODEL_ID
    assert body["messages"] == [
        {"role": "system", "content": "You are a careful clinician."},
        {"role": "user", "content": "I have a headache."},
        {"role": "assistant", "content": "Since when?"},
        {"role": "user", "content": "Two days."},
    ]
    assert body["temperature"] == 0.2
    assert body["top_p"] == 0.9
    assert body["seed"] == 7
    assert body["stop"] == ["\n\n", "END"]
    assert body["frequency_penalty"] == 0.5
    assert body["presence_penalty"] == -0.5
    assert body["max_tokens"] == 64
    assert "max_completion_tokens" not in body
    # Sampling knobs OpenAI lacks travel as extra body fields, next to the user's own extra_body.
    assert body["top_k"] == 40
    assert body["repetition_penalty"] == 1.1
    assert body["chat_template_kwargs"] == {"enable_thinking": False}


async def test_unset_params_are_not_sent(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    await make("ollama/llama3.2").complete(ChatRequest.of("Hi"))
    body = fake_server.requests[0].json
    assert set(body) == {"model", "messages"}
    assert body["model"] == "llama3.2"


async def test_model_default_params_apply_under_request_params(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    model = make(params={"temperature": 0.1, "max_tokens": 50})
    await model.complete(ChatRequest.of("Hi", max_tokens=10))
    body = fake_server.requests[0].json
    assert body["temperature"] == 0.1
    assert body["max_tokens"] == 10


async def test_openai_prefix_with_base_url_is_a_compatible_server(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    await make(f"openai/{MODEL_ID}", api_key="sk-test").complete(ChatRequest.of("Hi", max_tokens=5, top_k=3))
    body = fake_server.requests[0].json
    assert body["max_tokens"] == 5
    assert "max_completion_tokens" not in body
    assert body["top_k"] == 3


def test_official_openai_uses_max_completion_tokens_and_drops_unknown_knobs(
        caplog: pytest.LogCaptureFixture) -> None:
    # No base_url: the official endpoint, which we never call from tests; check the arguments built for it.
    model = create_model("openai/gpt-4o-mini", Settings(), api_key="sk-test")
    assert isinstance(model, OpenAICompatModel)
    assert model.official is True

    with caplog.at_level("WARNING", logger="medchat.models"):
        args = model._arguments(ChatRequest.of("Hi", max_tokens=5, top_k=3, repetition_penalty=1.2,
                                               temperature=0.0))

    assert args["model"] == "gpt-4o-mini"
    assert args["max_completion_tokens"] == 5
    assert "max_tokens" not in args
    assert args["temperature"] == 0.0
    assert "extra_body" not in args
    assert "top_k" in caplog.text
    assert "repetition_penalty" in caplog.text


def test_openai_with_its_own_base_url_spelled_out_is_official() -> None:
    model = create_model("openai/gpt-4o-mini", Settings(), api_key="sk-test", base_url="https://api.openai.com/v1")
    assert model.official is True  # type: ignore[attr-defined]


# -- keys and authentication ---------------------------------------------------------------------------------
async def test_authorization_header_carries_the_key(fake_server: FakeServer, make: Factory,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "sk-from-env")
    fake_server.queue(ok_reply(), ok_reply())

    await make().complete(ChatRequest.of("Hi"))
    await make(api_key="sk-explicit").complete(ChatRequest.of("Hi"))

    assert fake_server.requests[0].headers["authorization"] == "Bearer sk-from-env"
    assert fake_server.requests[1].headers["authorization"] == "Bearer sk-explicit"


async def test_api_key_env_option_names_the_variable(fake_server: FakeServer, make: Factory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_GPU_BOX_KEY", "sk-box")
    fake_server.queue(ok_reply())
    await make(f"openai/{MODEL_ID}", api_key_env="MY_GPU_BOX_KEY").complete(ChatRequest.of("Hi"))
    assert fake_server.requests[0].headers["authorization"] == "Bearer sk-box"


async def test_extra_headers_are_sent(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    await make(headers={"X-Tenant": "clinic-7"}).complete(ChatRequest.of("Hi"))
    assert fake_server.requests[0].headers["x-tenant"] == "clinic-7"


@pytest.mark.parametrize("spec", ["ollama/llama3.2", f"vllm/{MODEL_ID}", "llama-server/default"])
async def test_self_hosted_servers_need_no_key(fake_server: FakeServer, make: Factory, spec: str) -> None:
    fake_server.queue(ok_reply("fine"))
    result = await make(spec).complete(ChatRequest.of("Hi"))
    assert result.text == "fine"
    assert len(fake_server.requests) == 1


def test_official_openai_without_key_fails_before_any_request() -> None:
    with pytest.raises(AuthenticationError) as info:
        get_model("openai/gpt-4o-mini", settings=Settings())
    assert "OPENAI_API_KEY" in str(info.value)


def test_openrouter_without_key_names_its_variable() -> None:
    with pytest.raises(AuthenticationError) as info:
        get_model("openrouter/meta-llama/llama-3.1-8b-instruct", settings=Settings())
    assert "OPENROUTER_API_KEY" in str(info.value)
    assert "OPENAI_API_KEY" not in str(info.value)


# -- HTTP errors ---------------------------------------------------------------------------------------------
async def test_401_is_an_authentication_error_naming_the_key(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(401, "Incorrect API key provided: sk-bad.", code="invalid_api_key"))
    model = make(f"openai/{MODEL_ID}", reliable=True, settings=fast_retry(), api_key="sk-bad")

    with pytest.raises(AuthenticationError) as info:
        await model.complete(ChatRequest.of("Hi"))

    error = info.value
    assert error.status == 401
    assert "Incorrect API key provided" in error.message
    assert error.hint is not None
    assert "OPENAI_API_KEY" in error.hint
    assert len(fake_server.requests) == 1  # not retried


async def test_401_on_stream_is_an_authentication_error(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(401, "bad key"))
    with pytest.raises(AuthenticationError) as info:
        await chunks_of(make(), ChatRequest.of("Hi"))
    assert "VLLM_API_KEY" in str(info.value)


async def test_400_is_a_bad_request(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(400, "This model's maximum context length is 8192 tokens."))
    model = make(reliable=True, settings=fast_retry())

    with pytest.raises(BadRequestError) as info:
        await model.complete(ChatRequest.of("Hi"))

    assert info.value.status == 400
    assert "maximum context length" in info.value.message
    assert len(fake_server.requests) == 1  # a rejected request is not retried


async def test_404_is_model_not_found(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(404, "The model `nope` does not exist.", code="model_not_found"))
    with pytest.raises(ModelNotFoundError) as info:
        await make("vllm/nope").complete(ChatRequest.of("Hi"))
    assert "does not exist" in info.value.message
    assert info.value.status == 404


# -- retries -------------------------------------------------------------------------------------------------
async def test_429_with_retry_after_zero_is_retried_by_the_gateway(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(429, "Rate limit reached", type_="requests", headers={"Retry-After": "0"}),
                      ok_reply("after the wait"))
    model = make(reliable=True)  # default retry settings: Retry-After 0 means no wait at all

    result = await model.complete(ChatRequest.of("Hi"))

    assert result.text == "after the wait"
    assert len(fake_server.requests) == 2


async def test_retry_honours_retry_after_seconds(fake_server: FakeServer, make: Factory) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    fake_server.queue(error_reply(429, "slow down", headers={"Retry-After": "7"}), ok_reply("ok"))
    model = Retry(make(), sleep=fake_sleep)

    result = await model.complete(ChatRequest.of("Hi"))

    assert result.text == "ok"
    assert slept == [7.0]
    assert len(fake_server.requests) == 2


async def test_retry_after_longer_than_the_cap_is_raised_not_waited(fake_server: FakeServer,
                                                                    make: Factory) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    fake_server.queue(error_reply(429, "quota exceeded", headers={"Retry-After": "3600"}))
    model = Retry(make(), sleep=fake_sleep, max_retry_after_s=60.0)

    with pytest.raises(RateLimitError) as info:
        await model.complete(ChatRequest.of("Hi"))

    assert info.value.retry_after == 3600.0
    assert "quota exceeded" in info.value.message
    assert slept == []
    assert len(fake_server.requests) == 1


async def test_500_then_success_is_retried(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(500, "internal error", type_="server_error"), ok_reply("recovered"))
    result = await make(reliable=True, settings=fast_retry()).complete(ChatRequest.of("Hi"))
    assert result.text == "recovered"
    assert len(fake_server.requests) == 2


async def test_500_every_time_gives_up_after_max_attempts(fake_server: FakeServer, make: Factory) -> None:
    fake_server.handler = lambda _req: error_reply(503, "overloaded", type_="server_error")
    model = make(reliable=True, settings=fast_retry(max_attempts=3))

    with pytest.raises(ModelUnavailableError) as info:
        await model.complete(ChatRequest.of("Hi"))

    assert info.value.status == 503
    assert "overloaded" in info.value.message
    assert len(fake_server.requests) == 3


async def test_stream_error_status_is_retried_before_any_text(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(502, "bad gateway"), stream_reply("second", " try"))
    chunks = await chunks_of(make(reliable=True, settings=fast_retry()), ChatRequest.of("Hi"))
    assert "".join(c.text for c in chunks) == "second try"
    assert len(fake_server.requests) == 2


# -- timeouts ------------------------------------------------------------------------------------------------
async def test_no_answer_within_timeout_s_is_a_timeout(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(hang=True))
    model = make(timeout_s=0.3)

    with pytest.raises(TimeoutError) as info:
        await model.complete(ChatRequest.of("Hi"))

    assert info.value.retryable is True
    assert len(fake_server.requests) == 1


async def test_gateway_timeout_wrapper_stops_a_hanging_call(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(hang=True))
    # The gateway's own timeout (0.3 s) fires long before the SDK's read timeout (60 s).
    model = make(reliable=True, settings=fast_retry(max_attempts=1, timeout_s=0.3), timeout_s=60.0)

    with pytest.raises(TimeoutError) as info:
        await model.complete(ChatRequest.of("Hi"))

    assert "0.3s" in info.value.message


async def test_stream_that_goes_silent_hits_the_gap_timeout(fake_server: FakeServer, make: Factory) -> None:
    # Role chunk, then one piece of text, then silence.
    fake_server.queue(Reply(stream=stream_events("Hel", "lo"), content_type="text/event-stream", hang_after=2))
    model = make(reliable=True, settings=fast_retry(timeout_s=0.3), timeout_s=60.0)

    received: list[str] = []
    with pytest.raises(TimeoutError) as info:
        async for c in model.stream(ChatRequest.of("Hi")):
            received.append(c.text)

    assert received == ["Hel"]
    assert "no next token" in info.value.message
    assert len(fake_server.requests) == 1  # text already reached the caller: not retried


async def test_stream_read_timeout_from_the_sdk_is_a_timeout(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(stream=stream_events("Hel", "lo"), content_type="text/event-stream", hang_after=2))
    model = make(timeout_s=0.3)  # no gateway: the SDK's own read timeout fires

    with pytest.raises(TimeoutError):
        await chunks_of(model, ChatRequest.of("Hi"))


# -- broken streams ------------------------------------------------------------------------------------------
async def test_stream_cut_midway_is_interrupted_and_not_retried(fake_server: FakeServer, make: Factory) -> None:
    # Role chunk and "Hel" arrive, then the connection drops without the chunked terminator.
    fake_server.queue(Reply(stream=stream_events("Hel", "lo", "!"), content_type="text/event-stream",
                            cut_after=2),
                      stream_reply("should", " not be used"))
    model = make(reliable=True, settings=fast_retry())

    received: list[str] = []
    with pytest.raises(StreamInterruptedError):
        async for c in model.stream(ChatRequest.of("Hi")):
            received.append(c.text)

    assert received == ["Hel"]
    assert len(fake_server.requests) == 1


async def test_stream_cut_before_any_text_is_retried(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(stream=stream_events("lost"), content_type="text/event-stream", cut_after=1),
                      stream_reply("second", " try"))
    chunks = await chunks_of(make(reliable=True, settings=fast_retry()), ChatRequest.of("Hi"))
    assert "".join(c.text for c in chunks) == "second try"
    assert chunks[-1].final
    assert len(fake_server.requests) == 2


async def test_stream_closed_without_finish_reason_or_done_is_interrupted(fake_server: FakeServer,
                                                                          make: Factory) -> None:
    # A clean end of the HTTP body, but the model never said it was finished.
    fake_server.queue(stream_reply("Hel", "lo", finish_reason=None, usage=None, done=False))
    received: list[str] = []
    with pytest.raises(StreamInterruptedError):
        async for c in make().stream(ChatRequest.of("Hi")):
            received.append(c.text)
    assert received == ["Hel", "lo"]


async def test_error_event_mid_stream_is_raised_with_the_server_message(fake_server: FakeServer,
                                                                        make: Factory) -> None:
    # vLLM reports failures after the headers went out as an SSE event carrying an error object.
    events = sse(chunk("", role="assistant"), chunk("Hel"),
                 {"error": {"object": "error", "message": "CUDA out of memory", "type": "InternalServerError",
                            "code": 500}}, done=False)
    fake_server.queue(Reply(stream=events, content_type="text/event-stream"))
    received: list[str] = []
    with pytest.raises(ModelUnavailableError) as info:  # code 500 maps like an HTTP 500
        async for c in make().stream(ChatRequest.of("Hi")):
            received.append(c.text)
    assert received == ["Hel"]
    assert "CUDA out of memory" in str(info.value)


async def test_error_event_without_code_is_a_provider_error(fake_server: FakeServer, make: Factory) -> None:
    events = sse(chunk("Hel"), {"error": {"message": "something odd"}}, done=False)
    fake_server.queue(Reply(stream=events, content_type="text/event-stream"))
    with pytest.raises(ProviderError, match="mid-stream: something odd"):
        await collect(make().stream(ChatRequest.of("Hi")))


@pytest.mark.parametrize(("url", "local"), [("http://localhost:8000/v1", True), ("http://127.0.0.2:1/v1", True),
                                            ("http://[::1]:8000/v1", True), ("https://api.openai.com/v1", False),
                                            ("http://10.0.0.5:8000/v1", False), ("http://gpu-box:8000/v1", False)])
def test_loopback_detection(url: str, local: bool) -> None:
    from medchat.models.base import is_loopback

    assert is_loopback(url) is local


async def test_connection_refused_is_unavailable_naming_the_url(make: Factory) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = make(base_url=url)

    with pytest.raises(ModelUnavailableError) as info:
        await model.complete(ChatRequest.of("Hi"))

    assert url in str(info.value)
    assert info.value.retryable is True


async def test_connection_refused_on_stream_is_unavailable(make: Factory) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelUnavailableError) as info:
        await chunks_of(make(base_url=url), ChatRequest.of("Hi"))
    assert url in str(info.value)


# -- concurrency ---------------------------------------------------------------------------------------------
class _Gate:
    """Holds each request at the server until the test lets it go, counting how many are in flight."""

    def __init__(self, n: int) -> None:
        self.cond = threading.Condition()
        self.arrived = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.events = [threading.Event() for _ in range(n)]

    def reply(self, _req: Any) -> Reply:
        with self.cond:
            index = self.arrived
            self.arrived += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.cond.notify_all()
        # The body is sent chunked; iterating it blocks (outside the server's lock) until released.
        return Reply(stream=_HeldBody(self, index), content_type="application/json")

    def wait_arrived(self, count: int) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.arrived >= count, timeout=10)

    def release_all(self) -> None:
        for event in self.events:
            event.set()


class _HeldBody(list):  # type: ignore[type-arg]
    def __init__(self, gate: _Gate, index: int) -> None:
        super().__init__([_json_bytes(completion_body(f"answer {index}"))])
        self.gate = gate
        self.index = index

    def __iter__(self) -> Iterator[bytes]:
        self.gate.events[self.index].wait(timeout=10)
        yield from list.__iter__(self)
        with self.gate.cond:  # before the response ends, so the client cannot start the next one first
            self.gate.in_flight -= 1
            self.gate.cond.notify_all()


def _json_bytes(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()


async def test_concurrency_limit_caps_requests_in_flight(fake_server: FakeServer, make: Factory) -> None:
    n, limit = 6, 2
    gate = _Gate(n)
    fake_server.handler = gate.reply
    model = ConcurrencyLimit(make(), limit=limit)

    tasks = [asyncio.ensure_future(model.complete(ChatRequest.of(f"q{i}"))) for i in range(n)]
    try:
        # Let requests go one at a time, each only once the slots are full again.
        for released in range(n):
            assert await asyncio.to_thread(gate.wait_arrived, min(released + limit, n))
            gate.events[released].set()
        results = await asyncio.gather(*tasks)
    finally:
        gate.release_all()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    assert sorted(r.text for r in results) == sorted(f"answer {i}" for i in range(n))
    assert gate.max_in_flight == limit
    assert gate.arrived == n


async def test_a_json_schema_is_sent_as_response_format(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply('{"met": true}'))
    schema = {"type": "object", "properties": {"met": {"type": "boolean"}}, "required": ["met"]}
    await make().complete(ChatRequest.of("Is it met?", json_schema=schema))
    assert fake_server.requests[0].json["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "response", "schema": schema}}


# -- answers cut or unreadable (every failure before a complete response is retried like a 5xx) -------------
def broken_answer(fault: str) -> Reply:
    """A 200 answer spoiled on the way, as a flaky upstream or proxy spoils it."""
    import json

    payload = json.dumps(completion_body("lost")).encode()
    half = len(payload) // 2
    return {
        "cut_body": Reply(body=payload, cut_body_at=half),  # fewer bytes than Content-Length announced
        "invalid_json": Reply(body=payload[:half]),  # a complete response whose JSON stops half-way
        "reset": Reply(reset=True),  # TCP RST instead of an answer
        "chunked_cut": Reply(stream=[payload[:half], payload[half:]], cut_after=1),  # incomplete chunked read
    }[fault]


@pytest.mark.parametrize("fault", ["cut_body", "invalid_json", "reset", "chunked_cut"])
async def test_a_cut_or_unreadable_answer_is_retryable_and_retried(fake_server: FakeServer, make: Factory,
                                                                   fault: str) -> None:
    fake_server.queue(broken_answer(fault))
    with pytest.raises(ProviderError) as info:
        await make().complete(ChatRequest.of("Hi"))
    assert info.value.retryable, info.value
    assert "\n" not in str(info.value)

    fake_server.queue(broken_answer(fault), ok_reply("recovered"))
    result = await make(reliable=True, settings=fast_retry()).complete(ChatRequest.of("Hi"))
    assert result.text == "recovered"
    assert result.timing.attempts == 2
    assert len(fake_server.requests) == 3


async def test_an_unreadable_event_before_any_text_is_retried(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(stream=[b'data: {"id": "chatcmpl-test", "choi\n\n'], content_type="text/event-stream"),
                      stream_reply("second", " try"))
    chunks = await chunks_of(make(reliable=True, settings=fast_retry()), ChatRequest.of("Hi"))
    assert "".join(c.text for c in chunks) == "second try"
    assert chunks[-1].timing is not None and chunks[-1].timing.attempts == 2


# -- a whole answer that is not a chat completion: the base_url points elsewhere, and no retry mends that -----
WRONG_ANSWERS = {
    "html_page": (Reply(body=b"<!doctype html><html><body>Open WebUI</body></html>", content_type="text/html"),
                  "an HTML page: '<!doctype html>"),
    "plain_text": (Reply(body=b"It works!", content_type="text/plain"), "text that is not JSON: 'It works!'"),
    "other_json": (Reply(json={"detail": "Not Found"}),
                   'JSON that is not a chat completion: \'{"detail":"Not Found"}\''),
    "json_list": (Reply(json=[{"id": "gpt-x"}]), "JSON that is not a chat completion"),
}


@pytest.mark.parametrize("wrong", list(WRONG_ANSWERS))
async def test_an_answer_that_is_not_a_chat_completion_fails_at_once_naming_the_url(
        fake_server: FakeServer, make: Factory, wrong: str) -> None:
    reply, said = WRONG_ANSWERS[wrong]
    fake_server.queue(reply, ok_reply("never asked"))
    with pytest.raises(ProviderError) as info:
        await make(reliable=True, settings=fast_retry()).complete(ChatRequest.of("Hi"))
    assert not info.value.retryable
    assert len(fake_server.requests) == 1  # not retried
    message = str(info.value)
    assert "\n" not in message and said in message
    assert f"{fake_server.url}/v1/chat/completions answered with" in message and "ends in /v1" in message


async def test_a_stream_answered_with_an_html_page_fails_at_once(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(stream=[b"<!doctype html>", b"<html><body>Open WebUI</body></html>"],
                            content_type="text/html; charset=utf-8"), stream_reply("never asked"))
    with pytest.raises(ProviderError) as info:
        await chunks_of(make(reliable=True, settings=fast_retry()), ChatRequest.of("Hi"))
    assert not info.value.retryable and len(fake_server.requests) == 1
    assert "answered with an HTML page: '<!doctype html><html>" in str(info.value)
