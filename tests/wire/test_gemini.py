"""The ``gemini/`` provider driving the real ``google-genai`` SDK against a fake Gemini REST server."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
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
from medchat.models.base import collect
from medchat.models.gemini import GeminiModel
from medchat.types import ChatRequest, Chunk, GenerationParams, Message
from tests.wire import gemini_wire as wire
from tests.wire.fake_server import FakeServer, Reply

MODEL = "gemini/gemini-2.5-flash"


@pytest.fixture(autouse=True)
def _sdk_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK reads these itself; a developer's shell must not change what the tests see."""
    for var in ("GOOGLE_GENAI_API_VERSION", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_USE_ENTERPRISE",
                "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_CLIENT_MODE", "GOOGLE_GENAI_HTTP_CLIENT",
                "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
async def make(fake_server: FakeServer) -> AsyncIterator[Any]:
    """Build bare provider models (no gateway) against the fake server, closed at the end."""
    built: list[Any] = []

    def _make(**options: Any) -> Any:
        options.setdefault("base_url", fake_server.url)
        options.setdefault("api_key", "test-key")
        model = get_model(MODEL, reliable=False, **options)
        built.append(model)
        return model

    yield _make
    for model in built:
        await model.aclose()


def ask(prompt: str = "What is a normal resting heart rate?", **params: Any) -> ChatRequest:
    return ChatRequest.of(prompt, **params)


async def gather(model: Any, request: ChatRequest) -> list[Chunk]:
    return [chunk async for chunk in model.stream(request)]


# -- the happy paths -------------------------------------------------------------------------------
async def test_complete_returns_text_usage_and_cost(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply("60 to 100 beats per minute.", prompt=11, output=8))
    model = make()
    assert isinstance(model, GeminiModel)

    result = await model.complete(ask())

    assert result.text == "60 to 100 beats per minute."
    assert result.finish_reason == "stop"
    assert result.usage.prompt_tokens == 11
    assert result.usage.completion_tokens == 8
    assert not result.usage.estimated
    assert result.model == MODEL
    assert result.cost_usd == pytest.approx((11 * 0.30 + 8 * 2.50) / 1e6)
    assert result.timing.ttft_s == result.timing.total_s

    [req] = fake_server.requests
    assert req.method == "POST"
    # google-genai 3.x defaults to the v1 API; the key travels in a header, never in the URL.
    assert req.path == "/v1/models/gemini-2.5-flash:generateContent"
    assert req.headers["x-goog-api-key"] == "test-key"
    assert "key=" not in req.path
    assert req.headers["content-type"] == "application/json"
    assert req.json["contents"] == [{"role": "user", "parts": [{"text": "What is a normal resting heart rate?"}]}]
    assert req.json.get("generationConfig", {}) == {}  # provider defaults: no sampling setting is sent
    assert "systemInstruction" not in req.json


async def test_system_instruction_roles_and_generation_config(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply("ok"))
    model = make()
    request = ChatRequest(
        messages=[
            Message.system("You are a careful clinical assistant."),
            Message.user("I have a headache."),
            Message.assistant("How long have you had it?"),
            Message.system("Never give a diagnosis."),
            Message.user("Two days."),
        ],
        params=GenerationParams(temperature=0.2, top_p=0.9, top_k=40, max_tokens=256, stop=["END", "###"], seed=7,
                                presence_penalty=0.5, frequency_penalty=-0.25),
    )

    await model.complete(request)

    body = fake_server.requests[0].json
    assert body["systemInstruction"]["parts"] == [
        {"text": "You are a careful clinical assistant.\n\nNever give a diagnosis."}]
    assert [(c["role"], c["parts"][0]["text"]) for c in body["contents"]] == [
        ("user", "I have a headache."), ("model", "How long have you had it?"), ("user", "Two days.")]
    assert body["generationConfig"] == {
        "temperature": 0.2, "topP": 0.9, "topK": 40, "maxOutputTokens": 256, "stopSequences": ["END", "###"],
        "seed": 7, "presencePenalty": 0.5, "frequencyPenalty": -0.25,
    }


async def test_model_default_params_apply_under_request_params(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply("ok"))
    model = make(params={"temperature": 0.0, "max_tokens": 50})

    await model.complete(ask(max_tokens=10))

    assert fake_server.requests[0].json["generationConfig"] == {"temperature": 0.0, "maxOutputTokens": 10}


async def test_repetition_penalty_is_warned_about_and_not_sent(fake_server: FakeServer, make: Any,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    fake_server.queue(wire.reply("ok"))
    model = make()

    with caplog.at_level(logging.WARNING, logger="medchat.models"):
        await model.complete(ask(repetition_penalty=1.1))

    assert "repetition_penalty" in caplog.text
    assert fake_server.requests[0].json.get("generationConfig", {}) == {}


@pytest.mark.parametrize("sep", [b"\n\n", b"\r\n\r\n"], ids=["lf", "crlf"])
async def test_stream_yields_chunks_then_totals(fake_server: FakeServer, make: Any, sep: bytes) -> None:
    fake_server.queue(Reply(stream=wire.stream_events("Rest, ", "fluids ", "and paracetamol.", output=9, prompt=12,
                                                      sep=sep), content_type="text/event-stream"))
    model = make()

    chunks = await gather(model, ask(system="Be brief."))

    *texts, final = chunks
    assert [c.text for c in texts] == ["Rest, ", "fluids ", "and paracetamol."]
    assert not any(c.final for c in texts)
    assert final.final
    assert final.finish_reason == "stop"
    assert final.usage is not None
    assert (final.usage.prompt_tokens, final.usage.completion_tokens, final.usage.estimated) == (12, 9, False)
    assert final.timing is not None
    assert final.timing.ttft_s is not None
    assert final.timing.total_s >= final.timing.ttft_s
    assert final.timing.tpot_s is not None
    assert final.cost_usd == pytest.approx((12 * 0.30 + 9 * 2.50) / 1e6)
    assert final.model == MODEL

    [req] = fake_server.requests
    assert req.path == "/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert req.headers["x-goog-api-key"] == "test-key"
    assert req.json["systemInstruction"]["parts"] == [{"text": "Be brief."}]


async def test_stream_collects_like_complete(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.stream_reply("a", "b", "c", finish="MAX_TOKENS"))
    result = await collect(make().stream(ask()))
    assert (result.text, result.finish_reason) == ("abc", "length")


async def test_thoughts_are_not_text_but_count_as_output(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply("Answer.", thought="Let me think...", prompt=5, output=2, thoughts=30))

    result = await make().complete(ask())

    assert result.text == "Answer."
    assert result.usage.completion_tokens == 32


@pytest.mark.parametrize(("finish", "expected"), [("MAX_TOKENS", "length"), ("SAFETY", "content_filter"),
                                                  ("RECITATION", "content_filter"), ("OTHER", "unknown")])
async def test_finish_reasons(fake_server: FakeServer, make: Any, finish: str, expected: str) -> None:
    fake_server.queue(wire.reply("partial", finish))
    assert (await make().complete(ask())).finish_reason == expected


BLOCKED = {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []},
           "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}}


async def test_blocked_prompt_is_a_content_filter_finish(fake_server: FakeServer, make: Any,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    fake_server.queue(Reply(json=BLOCKED))

    with caplog.at_level(logging.WARNING, logger="medchat.models"):
        result = await make().complete(ask())

    assert (result.text, result.finish_reason) == ("", "content_filter")
    assert result.usage.prompt_tokens == 9
    assert "blocked the prompt (SAFETY)" in caplog.text


async def test_blocked_prompt_in_a_stream(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(Reply(stream=wire.sse_events(BLOCKED), content_type="text/event-stream"))

    [final] = await gather(make(), ask())

    assert final.final
    assert final.finish_reason == "content_filter"


async def test_only_system_messages_is_rejected_before_sending(fake_server: FakeServer, make: Any) -> None:
    with pytest.raises(BadRequestError, match="at least one user"):
        await make().complete(ChatRequest(messages=[Message.system("hi")]))
    assert fake_server.requests == []


async def test_api_version_option(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply("ok"))
    await make(api_version="v1beta").complete(ask())
    assert fake_server.requests[0].path == "/v1beta/models/gemini-2.5-flash:generateContent"


async def test_timeout_option_is_sent_to_the_server(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply("ok"))
    await make(timeout_s=30).complete(ask())
    assert fake_server.requests[0].headers["x-server-timeout"] == "30"


# -- keys ------------------------------------------------------------------------------------------
def test_missing_key_names_the_variable(fake_server: FakeServer) -> None:
    with pytest.raises(AuthenticationError, match="GEMINI_API_KEY") as info:
        get_model(MODEL, reliable=False, base_url=fake_server.url)
    assert "GEMINI_API_KEY" in str(info.value)


async def test_key_from_environment(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "from-google-env")
    fake_server.queue(wire.reply("ok"))
    model = get_model(MODEL, reliable=False, base_url=fake_server.url)
    try:
        await model.complete(ask())
    finally:
        await model.aclose()
    assert fake_server.requests[0].headers["x-goog-api-key"] == "from-google-env"


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(ConfigError, match="temprature"):
        get_model(MODEL, reliable=False, api_key="k", temprature=0.1)


@pytest.mark.parametrize("reply", [
    wire.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    wire.error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."),
    wire.key_invalid(),
], ids=["401", "403", "400-API_KEY_INVALID"])
async def test_auth_errors_name_the_key_variable(fake_server: FakeServer, make: Any, reply: Reply) -> None:
    fake_server.queue(reply)

    with pytest.raises(AuthenticationError) as info:
        await make().complete(ask())

    assert "GEMINI_API_KEY" in str(info.value)
    assert info.value.status == reply.status
    assert not info.value.retryable


async def test_auth_error_in_a_stream(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.error(403, "PERMISSION_DENIED", "no"))
    with pytest.raises(AuthenticationError, match="GEMINI_API_KEY"):
        await gather(make(), ask())


async def test_bad_request_and_not_found(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.error(400, "INVALID_ARGUMENT", "stopSequences: too many"),
                      wire.error(404, "NOT_FOUND", "models/gemini-9 is not found for API version v1"))
    model = make()
    with pytest.raises(BadRequestError, match="too many"):
        await model.complete(ask())
    with pytest.raises(ModelNotFoundError, match="gemini-9"):
        await model.complete(ask())


# -- rate limits and server errors ------------------------------------------------------------------
async def test_429_with_retry_after_is_retried_by_the_gateway(fake_server: FakeServer) -> None:
    fake_server.queue(wire.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", headers={"Retry-After": "0"}),
                      wire.reply("after the wait"))
    model = get_model(MODEL, base_url=fake_server.url, api_key="k")
    try:
        result = await model.complete(ask())
    finally:
        await model.aclose()

    assert result.text == "after the wait"
    assert len(fake_server.requests) == 2
    assert fake_server.requests[0].json == fake_server.requests[1].json


async def test_429_stream_is_retried_by_the_gateway(fake_server: FakeServer) -> None:
    fake_server.queue(wire.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", headers={"Retry-After": "0"}),
                      wire.stream_reply("fine"))
    model = get_model(MODEL, base_url=fake_server.url, api_key="k")
    try:
        result = await collect(model.stream(ask()))
    finally:
        await model.aclose()
    assert result.text == "fine"
    assert len(fake_server.requests) == 2


async def test_429_retry_delay_from_the_body(fake_server: FakeServer, make: Any) -> None:
    """Gemini states the wait in a RetryInfo detail rather than a header."""
    fake_server.queue(wire.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", wire.retry_info("37s")))

    with pytest.raises(RateLimitError) as info:
        await make().complete(ask())

    assert info.value.retry_after == 37.0
    assert info.value.retryable
    assert len(fake_server.requests) == 1  # the SDK's own retries are off


async def test_retry_after_header_wins_over_body(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.error(429, "RESOURCE_EXHAUSTED", "Quota.", wire.retry_info("37s"),
                                 headers={"Retry-After": "2"}))
    with pytest.raises(RateLimitError) as info:
        await make().complete(ask())
    assert info.value.retry_after == 2.0


@pytest.mark.parametrize("status", [500, 503])
async def test_server_error_is_model_unavailable(fake_server: FakeServer, make: Any, status: int) -> None:
    fake_server.queue(wire.error(status, "UNAVAILABLE", "The model is overloaded."))

    with pytest.raises(ModelUnavailableError, match="overloaded") as info:
        await make().complete(ask())

    assert info.value.status == status
    assert info.value.retryable
    assert len(fake_server.requests) == 1


async def test_server_error_in_a_stream(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.error(500, "INTERNAL", "An internal error has occurred."))
    with pytest.raises(ModelUnavailableError, match="internal error"):
        await gather(make(), ask())


async def test_error_event_inside_a_stream(fake_server: FakeServer, make: Any) -> None:
    events = wire.stream_events("Hello", finish=None)
    events += wire.sse_events({"error": {"code": 503, "message": "overloaded mid-stream", "status": "UNAVAILABLE"}})
    fake_server.queue(Reply(stream=events, content_type="text/event-stream"))

    chunks: list[Chunk] = []
    with pytest.raises(ModelUnavailableError, match="overloaded mid-stream"):
        async for chunk in make().stream(ask()):
            chunks.append(chunk)
    assert [c.text for c in chunks] == ["Hello"]


# -- broken connections ----------------------------------------------------------------------------
async def test_timeout_without_answer(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(Reply(hang=True))
    with pytest.raises(TimeoutError, match="0.5s") as info:
        await make(timeout_s=0.5).complete(ask())
    assert info.value.retryable


async def test_timeout_when_a_stream_stalls(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.stream_reply("one", "two", "three", hang_after=1))
    chunks: list[Chunk] = []
    with pytest.raises(TimeoutError):
        async for chunk in make(timeout_s=0.5).stream(ask()):
            chunks.append(chunk)
    assert [c.text for c in chunks] == ["one"]


@pytest.mark.parametrize("cut_after", [0, 1, 2])
async def test_cut_stream_is_interrupted_not_a_hang(fake_server: FakeServer, make: Any, cut_after: int) -> None:
    fake_server.queue(wire.stream_reply("one", "two", "three", cut_after=cut_after))
    chunks: list[Chunk] = []
    with pytest.raises(StreamInterruptedError):
        async for chunk in make(timeout_s=5).stream(ask()):
            chunks.append(chunk)
    assert [c.text for c in chunks] == ["one", "two"][:cut_after]
    assert len(fake_server.requests) == 1  # the SDK did not reconnect on its own


async def test_stream_ending_without_finish_reason_is_interrupted(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.stream_reply("one", "two", finish=None))
    with pytest.raises(StreamInterruptedError, match="finish_reason"):
        await gather(make(), ask())


async def test_cut_stream_before_text_is_retried_by_the_gateway(fake_server: FakeServer) -> None:
    fake_server.queue(wire.stream_reply("lost", cut_after=0), wire.stream_reply("again"))
    no_backoff = Settings(retry=RetrySettings(backoff_base_s=0, jitter=0))  # retry at once: no sleeping
    model = get_model(MODEL, settings=no_backoff, base_url=fake_server.url, api_key="k")
    try:
        result = await collect(model.stream(ask()))
    finally:
        await model.aclose()
    assert result.text == "again"
    assert len(fake_server.requests) == 2


async def test_connection_refused_is_model_unavailable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = get_model(MODEL, reliable=False, base_url=f"http://127.0.0.1:{port}", api_key="k")
    try:
        with pytest.raises(ModelUnavailableError, match="cannot reach"):
            await model.complete(ask())
        with pytest.raises(ModelUnavailableError, match="cannot reach"):
            await gather(model, ask())
    finally:
        await model.aclose()


# -- lifecycle -------------------------------------------------------------------------------------
async def test_aclose_releases_the_client_and_the_model_still_works(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply("one"), wire.reply("two"))
    model = make()
    assert (await model.complete(ask())).text == "one"
    client = model._client
    await model.aclose()
    assert model._client is None
    assert client._api_client._async_httpx_client.is_closed
    assert (await model.complete(ask())).text == "two"
    await model.aclose()
    await model.aclose()  # twice is harmless


def test_import_medchat_does_not_import_the_sdk() -> None:
    code = ("import sys, medchat, medchat.models.gemini, medchat.gateway; "
            "assert 'google.genai' not in sys.modules, 'google.genai imported eagerly'")
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_a_json_schema_asks_gemini_for_json(fake_server: FakeServer, make: Any) -> None:
    fake_server.queue(wire.reply('{"met": true}'))
    schema = {"type": "object", "properties": {"met": {"type": "boolean"}}, "required": ["met"]}
    await make().complete(ask(json_schema=schema))
    config = fake_server.requests[0].json["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == schema


@pytest.mark.parametrize("streaming", [False, True])
async def test_an_answer_that_does_not_parse_is_retryable(fake_server: FakeServer, make: Any, streaming: bool) -> None:
    garbled = b'{"candidates": [{"content": {"role": "model", "parts": [{"text": "lo'  # cut mid-document
    if streaming:
        fake_server.queue(Reply(stream=[b"data: " + garbled + b"\n\n"], content_type="text/event-stream"))
    else:
        fake_server.queue(Reply(body=garbled))
    model = make()
    with pytest.raises(ProviderError) as info:
        await (gather(model, ask()) if streaming else model.complete(ask()))
    assert info.value.retryable, info.value
