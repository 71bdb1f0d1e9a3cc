"""Schema fuzzing: every operation in the app's own OpenAPI document, with valid and invalid inputs
(schemathesis), against a real server on loopback. No answer may be a 5xx, and every error — a status of 400
or more, or an ``error`` event inside a stream — has OpenAI's shape.

Operations are taken from ``create_app(...).openapi()`` as it is when the test runs, so a route added later is
fuzzed without touching this file. Only ``model``/``models`` fields are narrowed, to models that answer at once
(a fake echo model, ``builtin/extractive``, the embedder, unknown names), so no example loads SmolLM2, calls a
remote provider or starts a real evaluation. The examples are derandomized: the same ones every run (CI stays
deterministic; widen ``EXAMPLES`` or drop ``derandomize`` locally to explore further).
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from medchat.models.base import ProviderModel
from medchat.models.registry import ModelSpec, register_provider
from medchat.types import ChatRequest, Chunk, Usage

# Cheap models for the chat routes: an instant fake, the offline extractive one, its guarded form, unknown names.
EXAMPLES = 30  # per operation and mode (valid, invalid): the whole file stays well under a minute
CHAT_MODELS = ["fuzz/echo", "assistant/fuzz/echo", "builtin/extractive", "no-such-provider/model", "builtin/nope"]


class Echo(ProviderModel):
    """``fuzz/echo``: says back the last message in two chunks, at once."""

    provider = "fuzz"
    is_local = True

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        text = request.messages[-1].content if request.messages else ""
        yield Chunk(text="echo: ")
        yield Chunk(text=text[:200])
        yield Chunk(final=True, finish_reason="stop", usage=Usage(prompt_tokens=3, completion_tokens=2))


@register_provider("fuzz", description="an instant echo model for the fuzz tests")  # not a file: servable
def _create(spec: ModelSpec) -> Echo:
    spec.done()
    return Echo(spec.name)


def narrowed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every ``model`` (and ``models`` item) of a request body limited to names that answer at
    once: the embedder's (or an unknown name) in a body with ``input``, ``CHAT_MODELS`` in any other."""
    from medchat.knowledge.embeddings import DEFAULT_EMBEDDER

    document = copy.deepcopy(document)
    for schema in document.get("components", {}).get("schemas", {}).values():
        properties = schema.get("properties", {})
        names = [DEFAULT_EMBEDDER, "no-such-model"] if "input" in properties else CHAT_MODELS
        model = properties.get("model")
        if isinstance(model, dict):
            nullable = any(option.get("type") == "null" for option in model.get("anyOf", []))
            choice = {"type": "string", "enum": names}
            properties["model"] = {"anyOf": [choice, {"type": "null"}]} if nullable else choice
        models = properties.get("models")
        if isinstance(models, dict) and models.get("type") == "array":
            models["items"] = {"type": "string", "enum": names}
    return document


def assert_openai_error(error: Any, where: str) -> None:
    assert isinstance(error, dict), where
    assert set(error) == {"message", "type", "param", "code"}, where
    assert isinstance(error["message"], str) and error["message"].strip() and "\n" not in error["message"], where
    assert isinstance(error["type"], str) and error["type"], where
    assert error["param"] is None or isinstance(error["param"], str), where
    assert error["code"] is None or isinstance(error["code"], str), where


def check(case: Any, url: str) -> None:
    response = case.call(base_url=url, timeout=60)
    where = f"{case.method} {case.formatted_path} body={case.body!r} → {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    content_type = "".join(response.headers.get("content-type", []))  # schemathesis: lists of values
    if response.status_code >= 400:
        assert content_type.startswith("application/json"), where
        body = response.json()
        assert set(body) == {"error"}, where
        assert_openai_error(body["error"], where)
    elif content_type.startswith("text/event-stream"):
        for event in filter(None, response.text.split("\n\n")):
            data = event.removeprefix("data: ")
            if data != "[DONE]" and "error" in (parsed := json.loads(data)):
                assert_openai_error(parsed["error"], where)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                database=None, phases=[Phase.explicit, Phase.generate, Phase.shrink])


def test_every_operation_answers_without_a_server_error(serve):
    running = serve()
    schema = schemathesis.openapi.from_dict(narrowed(running.app.openapi()))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.method.upper(), op.path) for op in operations} >= {("POST", "/v1/chat/completions"),
                                                                  ("POST", "/v1/embeddings"), ("GET", "/v1/models")}
    sent: dict[tuple[str, GenerationMode], int] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                sent[operation.label, mode] = fuzz(operation, mode, running.url)
            except Unsatisfiable:  # nothing can be invalid here (no input, or only a free string in the path)
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert all(sent.get((operation.label, GenerationMode.POSITIVE)) for operation in operations), sent
    assert sent.get(("POST /v1/chat/completions", GenerationMode.NEGATIVE)), sent


def fuzz(operation: Any, mode: GenerationMode, url: str) -> int:
    """Up to ``EXAMPLES`` cases of one operation in one mode; how many were sent."""
    sent = 0

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        nonlocal sent
        check(case, url)
        sent += 1

    one()
    return sent


def test_an_unpaired_surrogate_escape_is_a_clear_400_on_every_route(serve):
    """JSON allows ``"\\ud800"``, which Python decodes to a string no encoder takes: it used to reach the model
    and fail the response (a 500). Every route with a body refuses it up front; a paired escape (an emoji) is
    ordinary text."""
    running = serve()
    operations = [(method.upper(), path) for path, item in running.app.openapi()["paths"].items()
                  for method, operation in item.items() if "requestBody" in operation]
    assert ("POST", "/v1/chat/completions") in operations
    lone = b'{"model": "fuzz/echo", "messages": [{"role": "user", "content": "a \\ud800 b"}], "input": "\\udc00"}'
    with httpx.Client(base_url=running.url) as http:
        for method, path in operations:
            response = http.request(method, path.replace("{", "").replace("}", ""), content=lone,
                                    headers={"content-type": "application/json"})
            assert response.status_code == 400, (method, path, response.text)
            assert response.json()["error"]["code"] == "invalid_unicode"
        paired = lone.replace(b"\\ud800", b"\\ud83d\\ude00").replace(b"\\udc00", b"x")
        response = http.post("/v1/chat/completions", content=paired, headers={"content-type": "application/json"})
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"] == "echo: a \N{GRINNING FACE} b"
