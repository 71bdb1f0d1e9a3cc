"""Wire tests: the real ``huggingface_hub.AsyncInferenceClient``, driven through medchat, against a fake server.

With a ``base_url`` the SDK posts to ``<base_url>/v1/chat/completions`` (``/chat/completions`` when the URL
already ends in ``/v1``) in the OpenAI chat-completions format, as TGI and Inference Endpoints serve it:
a JSON body for plain calls, server-sent ``chat.completion.chunk`` events ending with ``data: [DONE]`` for
``stream=true``. Every test talks to 127.0.0.1 only; none sleeps to wait for something.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from medchat.config import RetrySettings, Settings
from medchat.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ModelNotFoundError,
    ModelUnavailableError,
    ProviderError,
    RateLimitError,
    StreamInterruptedError,
    TimeoutError,
)
from medchat.gateway import get_model
from medchat.models.base import ChatModel, collect
from medchat.models.hf_inference import HFInferenceModel
from medchat.models.registry import create_model
from medchat.types import ChatRequest, Chunk, GenerationParams, Message, Usage
from tests.wire.fake_server import FakeServer, Reply, sse

MODEL_ID = "meta-llama/Llama-3.1-8B-Instruct"
SPEC = f"hf/{MODEL_ID}"
CREATED = 1_750_000_000


# -- response builders (the OpenAI chat-completions format, as TGI sends it) --------------------------------
def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def completion_body(text: str = "Hello there.", *, finish_reason: str = "stop", prompt_tokens: int = 12,
                    completion_tokens: int = 3, usage: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": "chat.completion",
        "id": "",
        "created": CREATED,
        "model": MODEL_ID,
        "system_fingerprint": "3.0.0-native",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                     "finish_reason": finish_reason}],
    }
    if usage:
        body["usage"] = _usage(prompt_tokens, completion_tokens)
    return body


def chunk(content: str | None = None, *, finish_reason: str | None = None,
          usage: tuple[int, int] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "object": "chat.completion.chunk",
        "id": "",
        "created": CREATED,
        "model": MODEL_ID,
        "system_fingerprint": "3.0.0-native",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": content}, "logprobs": None,
                     "finish_reason": finish_reason}],
        "usage": _usage(*usage) if usage else None,
    }
    return event


def usage_chunk(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """The last chunk of an ``include_usage`` stream: no choices, only usage."""
    return {"object": "chat.completion.chunk", "id": "", "created": CREATED, "model": MODEL_ID,
            "system_fingerprint": "3.0.0-native", "choices": [], "usage": _usage(prompt_tokens, completion_tokens)}


def stream_reply(*texts: str, finish_reason: str | None = "stop", usage: tuple[int, int] | None = (12, 5),
                 done: bool = True, **kwargs: Any) -> Reply:
    """A streamed answer: one chunk per text, a finish chunk, a usage chunk, ``[DONE]``."""
    events = [chunk(text) for text in texts]
    if finish_reason is not None:
        events.append(chunk(finish_reason=finish_reason))
    if usage is not None:
        events.append(usage_chunk(*usage))
    return Reply(stream=sse(*events, done=done), content_type="text/event-stream", **kwargs)


def ok_reply(text: str = "Hello there.", **kwargs: Any) -> Reply:
    return Reply(json=completion_body(text, **kwargs))


def error_reply(status: int, message: str, *, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status=status, json={"error": {"message": message, "type": "invalid_request_error"}},
                 headers=headers or {})


# -- fixtures ----------------------------------------------------------------------------------------------
Factory = Callable[..., Any]


@pytest.fixture(autouse=True)
def hub_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest sets HF_HUB_OFFLINE=1, which huggingface_hub applies to every request, even to 127.0.0.1.

    The SDK reads the variable once, at import, so the module constant is what has to change.
    """
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
async def make(fake_server: FakeServer) -> AsyncIterator[Factory]:
    """``make(reliable=False, token="k", **options)``: an ``hf/`` model on the fake server, closed afterwards."""
    built: list[ChatModel] = []

    def factory(spec: str = SPEC, *, reliable: bool = False, token: str | None = "k", **options: Any) -> Any:
        options.setdefault("base_url", fake_server.url)
        if token is not None:
            options["api_key"] = token
        # Retries, when asked for, wait 0 s between attempts: no real sleeping in tests.
        settings = Settings(retry=RetrySettings(backoff_base_s=0.0, jitter=0.0))
        model = get_model(spec, settings=settings, reliable=reliable, **options)
        built.append(model)
        return model

    yield factory
    for model in built:
        await model.aclose()


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

    result = await model.complete(ChatRequest.of("How should I take ibuprofen?", system="Be brief."))

    assert isinstance(model, HFInferenceModel)
    assert result.text == "Take it with food."
    assert result.finish_reason == "stop"
    assert result.usage == Usage(prompt_tokens=21, completion_tokens=4, estimated=False)
    assert result.model == SPEC
    assert result.timing.ttft_s == result.timing.total_s  # not streamed: TTFT is the whole call
    (req,) = fake_server.requests
    assert (req.method, req.path) == ("POST", "/v1/chat/completions")  # the SDK appends the route
    assert req.headers["authorization"] == "Bearer k"
    assert req.json["model"] == MODEL_ID
    assert req.json["messages"] == [{"role": "system", "content": "Be brief."},
                                    {"role": "user", "content": "How should I take ibuprofen?"}]
    assert req.json["stream"] is False


async def test_base_url_ending_in_v1_gets_only_the_chat_route(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    await make(base_url=f"{fake_server.url}/v1").complete(ChatRequest.of("Hi"))
    assert fake_server.requests[0].path == "/v1/chat/completions"


async def test_completion_length_finish_reason(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply("It depends on", finish_reason="length"))
    result = await make().complete(ChatRequest.of("Explain dosing.", max_tokens=3))
    assert result.finish_reason == "length"


async def test_completion_without_usage_is_estimated(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply("abcdefgh", usage=False))
    result = await make().complete(ChatRequest.of("12345678"))
    assert result.usage.estimated is True
    assert result.usage.completion_tokens == 2  # ≈ 4 characters a token


async def test_loopback_endpoint_is_local_and_costs_nothing(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    model = make()
    result = await model.complete(ChatRequest.of("Hi"))
    assert model.is_local is True
    assert result.cost_usd == 0.0


# -- streaming ------------------------------------------------------------------------------------------------
async def test_stream_yields_chunks_in_order_then_totals(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("Rest, ", "fluids, ", "and see a doctor.", finish_reason="length",
                                   usage=(30, 6)))
    model = make()

    chunks = await chunks_of(model, ChatRequest.of("I have a fever."))

    *texts, final = chunks
    assert [c.text for c in texts] == ["Rest, ", "fluids, ", "and see a doctor."]
    assert not any(c.final for c in texts)
    assert final.final is True
    assert final.finish_reason == "length"
    assert final.usage == Usage(prompt_tokens=30, completion_tokens=6, estimated=False)
    assert final.model == SPEC
    assert final.timing is not None
    assert final.timing.ttft_s is not None
    assert 0 <= final.timing.ttft_s <= final.timing.total_s
    assert final.timing.tpot_s is not None
    (req,) = fake_server.requests
    assert req.path == "/v1/chat/completions"
    assert req.json["stream"] is True
    assert req.json["stream_options"] == {"include_usage": True}


async def test_stream_with_usage_in_the_finish_chunk(fake_server: FakeServer, make: Factory) -> None:
    """TGI puts the usage on the chunk that carries ``finish_reason``."""
    events = sse(chunk("Yes."), chunk(finish_reason="eos_token", usage=(9, 2)))
    fake_server.queue(Reply(stream=events, content_type="text/event-stream"))
    final = (await chunks_of(make(), ChatRequest.of("Is water good?")))[-1]
    assert final.finish_reason == "stop"
    assert final.usage == Usage(prompt_tokens=9, completion_tokens=2)


async def test_stream_collects_into_a_completion(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("Drink ", "water."))
    result = await collect(make().stream(ChatRequest.of("Thirsty?")))
    assert result.text == "Drink water."
    assert result.usage.completion_tokens == 5


async def test_stream_without_usage_is_estimated(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("a", "b", "c", usage=None))
    final = (await chunks_of(make(), ChatRequest.of("Hi")))[-1]
    assert final.usage is not None
    assert final.usage.estimated is True
    assert final.usage.completion_tokens == 3  # one token per chunk


async def test_stream_usage_option_off_sends_no_stream_options(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("ok", usage=None))
    await chunks_of(make(stream_usage=False), ChatRequest.of("Hi"))
    assert "stream_options" not in fake_server.requests[0].json


# -- request building -------------------------------------------------------------------------------------------
async def test_params_are_sent_with_their_wire_names(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    params = GenerationParams(temperature=0.0, top_p=0.9, top_k=40, max_tokens=64, stop=["\n\n", "END"], seed=7,
                              frequency_penalty=0.5, presence_penalty=-0.25, repetition_penalty=1.1)
    request = ChatRequest(messages=[Message.user("Hi"), Message.assistant("Hello"), Message.user("Dose?")],
                          params=params)

    await make().complete(request)

    body = fake_server.requests[0].json
    assert body["temperature"] == 0.0  # zero is a value, not "unset"
    assert body["top_p"] == 0.9
    assert body["max_tokens"] == 64
    assert body["stop"] == ["\n\n", "END"]
    assert body["seed"] == 7
    assert body["frequency_penalty"] == 0.5
    assert body["presence_penalty"] == -0.25
    assert body["top_k"] == 40  # through extra_body, merged into the top level
    assert body["repetition_penalty"] == 1.1
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


async def test_unset_params_are_not_sent(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    await make().complete(ChatRequest.of("Hi"))
    body = fake_server.requests[0].json
    assert set(body) == {"model", "messages", "stream"}


async def test_model_default_params_apply_under_request_params(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    model = make(params={"temperature": 0.1, "max_tokens": 50})
    await model.complete(ChatRequest.of("Hi", max_tokens=5))
    body = fake_server.requests[0].json
    assert (body["temperature"], body["max_tokens"]) == (0.1, 5)


# -- tokens and options -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("env", ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"])
async def test_token_comes_from_the_environment(fake_server: FakeServer, make: Factory,
                                                monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv(env, "hf_from_env")
    fake_server.queue(ok_reply())
    await make(token=None).complete(ChatRequest.of("Hi"))
    assert fake_server.requests[0].headers["authorization"] == "Bearer hf_from_env"


async def test_custom_endpoint_needs_no_token(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply())
    await make(token=None).complete(ChatRequest.of("Hi"))
    assert "authorization" not in fake_server.requests[0].headers


@pytest.mark.parametrize("options", [{}, {"provider": "together"}, {"provider": "auto"}])
def test_hosted_service_without_token_fails_before_any_request(options: dict[str, Any]) -> None:
    with pytest.raises(AuthenticationError) as info:
        create_model(SPEC, Settings(), **options)
    assert "HF_TOKEN" in str(info.value)


async def test_auto_router_refuses_a_non_hf_token_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # a request to the real router would fail differently
    model = create_model(SPEC, Settings(), api_key="sk-not-hf")
    try:
        with pytest.raises(ConfigError, match="auto-router"):
            await model.complete(ChatRequest.of("Hi"))
    finally:
        await model.aclose()


def test_base_url_and_provider_together_are_rejected() -> None:
    with pytest.raises(ConfigError, match="not both"):
        create_model(SPEC, Settings(), base_url="http://127.0.0.1:9", provider="together", api_key="k")


def test_unknown_options_are_rejected() -> None:
    with pytest.raises(ConfigError, match="base_ur"):
        create_model(SPEC, Settings(), base_ur="http://127.0.0.1:9", api_key="k")


def test_hosted_model_is_not_local() -> None:
    model = create_model(SPEC, Settings(), api_key="hf_x", provider="together")
    assert model.is_local is False
    assert model.inference_provider == "together"


# -- errors -----------------------------------------------------------------------------------------------------
async def test_401_is_an_authentication_error_naming_hf_token(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(status=401, json={"error": "Invalid credentials in Authorization header"}))
    with pytest.raises(AuthenticationError) as info:
        await make().complete(ChatRequest.of("Hi"))
    assert info.value.status == 401
    assert "HF_TOKEN" in str(info.value)
    assert "Invalid credentials" in str(info.value)


async def test_401_on_stream_is_an_authentication_error(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(401, "bad token"))
    with pytest.raises(AuthenticationError, match="bad token"):
        await chunks_of(make(), ChatRequest.of("Hi"))


async def test_400_is_a_bad_request_with_the_server_message(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(400, "max_tokens must be at least 1"))
    with pytest.raises(BadRequestError, match="max_tokens must be at least 1"):
        await make().complete(ChatRequest.of("Hi"))


async def test_404_is_model_not_found(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(404, "Model not found"))
    with pytest.raises(ModelNotFoundError):
        await make().complete(ChatRequest.of("Hi"))


async def test_429_carries_retry_after(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(error_reply(429, "slow down", headers={"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as info:
        await make().complete(ChatRequest.of("Hi"))
    assert info.value.retry_after == 7.0
    assert "slow down" in str(info.value)


async def test_429_with_retry_after_zero_is_retried_by_the_gateway(fake_server: FakeServer) -> None:
    fake_server.queue(error_reply(429, "slow down", headers={"Retry-After": "0"}), ok_reply("Fine."))
    model = get_model(SPEC, base_url=fake_server.url, api_key="k")
    try:
        result = await model.complete(ChatRequest.of("Hi"))
    finally:
        await model.aclose()
    assert result.text == "Fine."
    assert len(fake_server.requests) == 2


async def test_500_is_unavailable(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(status=500, body=b"upstream exploded", content_type="text/plain"))
    with pytest.raises(ModelUnavailableError) as info:
        await make(reliable=False).complete(ChatRequest.of("Hi"))
    assert info.value.status == 500
    assert "upstream exploded" in str(info.value)
    assert len(fake_server.requests) == 1


async def test_no_answer_within_timeout_s_is_a_timeout(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(Reply(hang=True))
    with pytest.raises(TimeoutError, match="within 0.5s"):
        await make(timeout_s=0.5).complete(ChatRequest.of("Hi"))


async def test_stream_that_goes_silent_is_a_timeout(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("a", "b", "c", hang_after=2))
    received: list[str] = []
    with pytest.raises(TimeoutError, match="no next token"):
        async for c in make(timeout_s=0.5).stream(ChatRequest.of("Hi")):
            received.append(c.text)
    assert received == ["a", "b"]


async def test_stream_cut_midway_is_interrupted(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(stream_reply("a", "b", "c", cut_after=2))
    received: list[str] = []
    with pytest.raises(StreamInterruptedError):
        async for c in make().stream(ChatRequest.of("Hi")):
            received.append(c.text)
    assert received == ["a", "b"]


async def test_stream_cut_before_any_text_is_retried_by_the_gateway(fake_server: FakeServer,
                                                                     make: Factory) -> None:
    fake_server.queue(stream_reply("a", cut_after=0), stream_reply("fine"))
    chunks = await chunks_of(make(reliable=True), ChatRequest.of("Hi"))
    assert [c.text for c in chunks if not c.final] == ["fine"]
    assert len(fake_server.requests) == 2


async def test_stream_closed_without_finish_reason_is_interrupted(fake_server: FakeServer,
                                                                  make: Factory) -> None:
    fake_server.queue(stream_reply("a", "b", finish_reason=None, usage=None, done=False))
    with pytest.raises(StreamInterruptedError, match="finish_reason"):
        await chunks_of(make(), ChatRequest.of("Hi"))


async def test_error_event_inside_the_stream_is_mapped(fake_server: FakeServer, make: Factory) -> None:
    """TGI reports failures after the 200 as ``data: {"error": ..., "error_type": ...}``."""
    events = [*sse(chunk("a"), done=False), b'data: {"error": "Model is overloaded", "error_type": "overloaded"}\n\n']
    fake_server.queue(Reply(stream=events, content_type="text/event-stream"))
    with pytest.raises(ModelUnavailableError, match="overloaded"):
        await chunks_of(make(), ChatRequest.of("Hi"))


async def test_connection_refused_is_unavailable(make: Factory) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelUnavailableError, match="cannot reach"):
        await make(base_url=url).complete(ChatRequest.of("Hi"))


async def test_connection_refused_on_stream_is_unavailable(make: Factory) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelUnavailableError, match="cannot reach"):
        await chunks_of(make(base_url=url), ChatRequest.of("Hi"))


async def test_hub_offline_mode_is_a_config_error(fake_server: FakeServer, make: Factory,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ConfigError, match="HF_HUB_OFFLINE"):
        await make().complete(ChatRequest.of("Hi"))
    assert fake_server.requests == []


# -- resources --------------------------------------------------------------------------------------------------
async def test_client_is_retired_and_closed_after_streams_per_client(fake_server: FakeServer, make: Factory,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK keeps every stream's response until the client closes; we swap clients to bound that."""
    fake_server.queue(*(stream_reply(f"answer {i}") for i in range(3)))
    model = make()
    model.streams_per_client = 2
    first = model.client
    closed: list[object] = []
    original_close = first.close

    async def spy_close() -> None:
        closed.append(first)
        await original_close()

    monkeypatch.setattr(first, "close", spy_close)

    texts = [(await collect(model.stream(ChatRequest.of(f"q{i}")))).text for i in range(3)]

    assert texts == ["answer 0", "answer 1", "answer 2"]
    assert closed == [first]
    assert model.client is not first


async def test_aclose_closes_the_client(fake_server: FakeServer, make: Factory,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_server.queue(ok_reply())
    model = make()
    await model.complete(ChatRequest.of("Hi"))
    client = model.client
    closed: list[bool] = []
    original_close = client.close

    async def spy_close() -> None:
        closed.append(True)
        await original_close()

    monkeypatch.setattr(client, "close", spy_close)
    await model.aclose()
    assert closed == [True]


def test_importing_the_provider_does_not_import_huggingface_hub() -> None:
    code = ("import sys, medchat, medchat.models.hf_inference; "
            "sys.exit('huggingface_hub' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


async def test_a_json_schema_is_sent_as_response_format(fake_server: FakeServer, make: Factory) -> None:
    fake_server.queue(ok_reply('{"met": true}'))
    schema = {"type": "object", "properties": {"met": {"type": "boolean"}}, "required": ["met"]}
    await make().complete(ChatRequest.of("Is it met?", json_schema=schema))
    # huggingface_hub rewrites OpenAI's json_schema form into TGI's grammar form on the wire
    assert fake_server.requests[0].json["response_format"] == {"type": "json_object", "value": schema}


async def test_an_answer_cut_mid_json_is_retried_by_the_gateway(fake_server: FakeServer, make: Factory) -> None:
    import json

    payload = json.dumps(completion_body("lost")).encode()
    fake_server.queue(Reply(body=payload[:len(payload) // 2]))
    with pytest.raises(ProviderError) as info:
        await make().complete(ChatRequest.of("Hi"))
    assert info.value.retryable, info.value

    fake_server.queue(Reply(body=payload[:len(payload) // 2]), ok_reply("recovered"))
    result = await make(reliable=True).complete(ChatRequest.of("Hi"))
    assert result.text == "recovered" and result.timing.attempts == 2
