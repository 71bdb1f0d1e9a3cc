"""The OpenAI-compatible API driven by the official ``openai`` SDK, as any client would."""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
import pytest

QUESTION = [{"role": "user", "content": "What is a fever?"}]


def test_models_list_and_retrieve(serve):
    client = serve().client()
    ids = [model.id for model in client.models.list()]
    for name in ("builtin/smollm2", "builtin/extractive", "assistant/builtin/smollm2", "assistant/builtin/extractive"):
        assert name in ids
    model = client.models.retrieve("assistant/builtin/extractive")
    assert (model.id, model.object, model.owned_by) == ("assistant/builtin/extractive", "model", "medchat")
    with pytest.raises(openai.NotFoundError) as raised:
        client.models.retrieve("builtin/nothing")
    assert raised.value.code == "model_not_found"


def test_models_list_has_configured_aliases(serve):
    from medchat.config import ModelAlias, get_settings

    settings = get_settings()
    settings.models["quick"] = ModelAlias(model="builtin/extractive")
    try:
        ids = [model.id for model in serve().client().models.list()]
    finally:
        del settings.models["quick"]
    assert "quick" in ids and "assistant/quick" in ids


def test_completion_non_streamed(serve):
    response = serve().client().chat.completions.create(model="builtin/extractive", messages=QUESTION)
    assert response.object == "chat.completion"
    assert response.id.startswith("chatcmpl-") and response.created > 0
    assert response.model == "builtin/extractive"
    choice = response.choices[0]
    assert choice.message.role == "assistant" and "fever" in choice.message.content.lower()
    assert choice.finish_reason == "stop"
    usage = response.usage
    assert usage.completion_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert "medchat" not in (response.model_extra or {})  # a raw model has no extension


def test_completion_streamed_with_usage(serve):
    stream = serve().client().chat.completions.create(model="builtin/extractive", messages=QUESTION, stream=True,
                                                      stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "fever" in text.lower()
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    *before, last = chunks
    assert last.choices == [] and last.usage.completion_tokens > 0
    assert all(c.usage is None for c in before)
    assert {c.id for c in chunks} == {chunks[0].id}


def test_stream_bytes_are_server_sent_events(serve):
    running = serve()
    body = {"model": "builtin/extractive", "messages": QUESTION, "stream": True}
    with httpx.stream("POST", f"{running.base_url}/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = response.read().decode()
    events = raw.split("\n\n")
    assert events[-1] == "" and events[-2] == "data: [DONE]"
    for event in events[:-2]:
        assert event.startswith("data: ")
        chunk = json.loads(event.removeprefix("data: "))
        assert chunk["object"] == "chat.completion.chunk" and "usage" not in chunk  # not asked for


def test_stream_without_usage_option_has_no_usage_chunk(serve):
    chunks = list(serve().client().chat.completions.create(model="builtin/extractive", messages=QUESTION,
                                                           stream=True))
    assert all(c.choices for c in chunks)


def test_assistant_reply_carries_citations_and_safety(serve):
    response = serve().client().chat.completions.create(model="assistant/builtin/extractive", messages=QUESTION)
    extension = response.model_extra["medchat"]
    assert extension["citations"] and extension["citations"][0]["url"]
    assert "findings" in extension["safety"] and extension["emergency"] is False
    assert any(step["name"] == "retrieve" for step in extension["trace"])
    assert response.usage.prompt_tokens > 0


def test_assistant_stream_carries_extension_on_the_final_chunk(serve):
    chunks = list(serve().client().chat.completions.create(
        model="assistant/builtin/extractive", messages=QUESTION, stream=True, stream_options={"include_usage": True}))
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].model_extra["medchat"]["citations"]
    assert chunks[-1].usage.total_tokens > 0


def test_emergency_streams_the_escalation_first(serve):
    messages = [{"role": "user", "content": "My father has crushing chest pain right now and can't breathe"}]
    chunks = list(serve().client().chat.completions.create(model="assistant/builtin/extractive", messages=messages,
                                                           stream=True))
    first = next(c for c in chunks if c.choices and c.choices[0].delta.content)
    first_text = first.choices[0].delta.content
    assert "911" in first_text or "emergency" in first_text.lower()
    # the first text chunk already says so, for a page to raise its banner before the answer
    assert first.model_extra["medchat"] == {"emergency": True, "emergency_categories": ["cardiac", "breathing"],
                                            "emergency_call": "your local emergency number (911 in the US, 999 in "
                                                              "the UK, 112 in the EU)", "language": "en"}
    final = next(c for c in chunks if c.choices and c.choices[0].finish_reason)
    assert final.model_extra["medchat"]["emergency"] is True


def test_multi_turn_conversation(serve):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "I have a child."},
                {"role": "assistant", "content": "Understood."},
                {"role": "user", "content": [{"type": "text", "text": "What is a fever?"}]}]
    response = serve().client().chat.completions.create(model="assistant/builtin/extractive", messages=messages)
    assert "fever" in response.choices[0].message.content.lower()


def test_async_client(serve):
    running = serve()

    async def go() -> tuple[str, int]:
        async with running.async_client() as client:
            response = await client.chat.completions.create(model="builtin/extractive", messages=QUESTION)
            stream = await client.chat.completions.create(model="builtin/extractive", messages=QUESTION, stream=True,
                                                          stream_options={"include_usage": True})
            usage = 0
            async for chunk in stream:
                usage = chunk.usage.completion_tokens if chunk.usage else usage
            return response.choices[0].message.content, usage

    text, usage = asyncio.run(go())
    assert "fever" in text.lower() and usage > 0


@pytest.mark.parametrize("model", ["nothing/at-all", "builtin/nothing", "no-slash", "assistant/builtin/nothing"])
def test_unknown_model_is_404(serve, model):
    with pytest.raises(openai.NotFoundError) as raised:
        serve().client().chat.completions.create(model=model, messages=QUESTION)
    assert raised.value.code == "model_not_found" and raised.value.param == "model"


def test_validation_errors_name_the_field(serve):
    client = serve().client()
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        client.chat.completions.create(model="builtin/extractive", messages=QUESTION, temperature=5)
    assert "temperature" in raised.value.message and raised.value.body["param"] == "temperature"
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        client.chat.completions.create(model="builtin/extractive", messages=[])
    assert "messages" in raised.value.message
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="builtin/extractive", messages=QUESTION, n=2)
    assert raised.value.body["param"] == "n"
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="builtin/extractive", messages=QUESTION, tools=[tool])
    assert raised.value.body["param"] == "tools"
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        client.chat.completions.create(model="builtin/extractive",
                                       messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}])
    assert "messages.0.role" in raised.value.message


def test_request_parameters_reach_the_model():
    from medchat.server.schemas import ANY_OBJECT, ChatCompletionRequest

    body = ChatCompletionRequest.model_validate({
        "model": "m", "messages": QUESTION, "temperature": 0.3, "top_p": 0.5, "max_tokens": 9, "stop": "END",
        "seed": 7, "user": "u1", "response_format": {"type": "json_schema", "json_schema": {
            "name": "x", "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}}})
    params = body.params()
    assert (params.temperature, params.top_p, params.max_tokens, params.stop, params.seed) == (0.3, 0.5, 9, ["END"], 7)
    assert params.json_schema["properties"] == {"a": {"type": "integer"}}
    assert params.model_fields_set == {"temperature", "top_p", "max_tokens", "stop", "seed", "json_schema"}
    both = ChatCompletionRequest.model_validate({"model": "m", "messages": QUESTION, "max_tokens": 9,
                                                 "max_completion_tokens": 4,
                                                 "response_format": {"type": "json_object"}})
    assert both.params().max_tokens == 4 and both.params().json_schema == ANY_OBJECT
    assert ChatCompletionRequest.model_validate({"model": "m", "messages": QUESTION}).params().model_fields_set == set()


def test_request_id_on_every_response(serve):
    running = serve()
    with httpx.Client(base_url=running.url) as http:
        assert http.get("/healthz").headers["x-request-id"]
        assert http.get("/nowhere").headers["x-request-id"]
        given = http.get("/v1/models", headers={"x-request-id": "client-id-1"})
        assert given.headers["x-request-id"] == "client-id-1"
        response = http.post("/v1/chat/completions", json={"model": "builtin/nothing", "messages": QUESTION})
        assert response.status_code == 404 and response.headers["x-request-id"]
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_health_and_readiness(serve):
    running = serve()
    with httpx.Client(base_url=running.url) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "default_model": "ok"}


def test_readiness_fails_when_the_default_model_does_not_resolve(serve):
    from medchat.config import get_settings

    get_settings().default_model = "nothing/at-all"
    with httpx.Client(base_url=serve().url) as http:
        ready = http.get("/readyz")
    assert ready.status_code == 503 and "nothing/at-all" in ready.json()["checks"]["default_model"]


def test_body_larger_than_the_limit_is_413(serve):
    client = serve(max_body_bytes=2_000).client()
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model="builtin/extractive", messages=[{"role": "user", "content": "x" * 3_000}])
    assert raised.value.status_code == 413 and raised.value.body["code"] == "request_too_large"


def test_chunked_body_larger_than_the_limit_is_413(serve):
    running = serve(max_body_bytes=2_000)

    def body():
        yield b'{"model": "builtin/extractive", "messages": [{"role": "user", "content": "'
        yield b"x" * 3_000
        yield b'"}]}'

    response = httpx.post(f"{running.base_url}/chat/completions", content=body(),
                          headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.headers["x-request-id"]


def test_message_longer_than_the_limit_is_refused_clearly(serve):
    client = serve(max_message_chars=100).client()
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model="builtin/extractive", messages=[{"role": "user", "content": "y" * 101}])
    assert raised.value.status_code == 413
    assert "messages[0] is 101 characters" in raised.value.message


def test_medchat_through_medchat(serve):
    """medchat's own ``openai/...`` provider, pointed at the server, gets answers, usage and streams."""
    from medchat.gateway import get_model
    from medchat.types import ChatRequest

    running = serve()
    key = running.create_key("through")

    async def go():
        model = get_model("openai/assistant/builtin/extractive", base_url=running.base_url, api_key=key)
        try:
            completion = await model.complete(ChatRequest.of("What is a fever?"))
            texts, final = [], None
            async for chunk in model.stream(ChatRequest.of("What is a fever?")):
                if chunk.final:
                    final = chunk
                else:
                    texts.append(chunk.text)
            return completion, "".join(texts), final
        finally:
            await model.aclose()

    completion, streamed, final = asyncio.run(go())
    assert "fever" in completion.text.lower() and not completion.usage.estimated
    assert completion.usage.completion_tokens > 0
    assert streamed == completion.text and final.usage.completion_tokens > 0


def test_cors_is_off_unless_configured(serve):
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
    with httpx.Client(base_url=serve().url) as http:
        assert "access-control-allow-origin" not in http.options("/v1/chat/completions", headers=preflight).headers
    with httpx.Client(base_url=serve(cors_origins=["https://app.example"]).url) as http:
        response = http.options("/v1/chat/completions", headers=preflight)
    assert response.headers["access-control-allow-origin"] == "https://app.example"


def test_concurrent_streams_each_complete_with_usage(serve):
    running = serve()

    async def one(client: openai.AsyncOpenAI, i: int) -> tuple[str, int]:
        stream = await client.chat.completions.create(
            model="builtin/extractive", messages=[{"role": "user", "content": f"What is a fever? ({i})"}],
            stream=True, stream_options={"include_usage": True})
        chunks = [chunk async for chunk in stream]
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), chunks[-1].usage.total_tokens

    async def go() -> list[tuple[str, int]]:
        async with running.async_client() as client:
            return await asyncio.gather(*(one(client, i) for i in range(12)))

    results = asyncio.run(go())
    assert len(results) == 12 and all("fever" in text.lower() and total > 0 for text, total in results)


@pytest.mark.parametrize("model", ["gguf//etc/passwd", "assistant/gguf/./x.gguf", "replay//etc/hosts",
                                   "local//root/model", "assistant/assistant/local/./m"])
def test_clients_cannot_name_files_on_the_server(serve, model):
    with pytest.raises(openai.PermissionDeniedError) as raised:
        serve().client().chat.completions.create(model=model, messages=QUESTION)
    assert raised.value.code == "model_not_allowed" and "alias" in raised.value.message


def test_an_alias_may_name_a_file(serve, tmp_path):
    from medchat.config import ModelAlias, get_settings

    answers = tmp_path / "answers.jsonl"
    answers.write_text('{"id": "x", "output": "recorded"}\n')
    get_settings().models["recorded"] = ModelAlias(model=f"replay/{answers}")
    with pytest.raises(openai.APIStatusError) as raised:  # it loads (replay answers eval samples only)...
        serve().client().chat.completions.create(model="recorded", messages=QUESTION)
    assert raised.value.status_code not in (403, 500), raised.value  # ...but is not refused for naming a file
