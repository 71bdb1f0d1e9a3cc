"""The real builtin model through the server (small max_tokens): answers, streams and usage."""

from __future__ import annotations

import asyncio
import json

import pytest

pytestmark = pytest.mark.model

QUESTION = [{"role": "user", "content": "Say hello."}]


def test_smollm2_non_streamed_and_streamed(serve):
    running = serve()
    client = running.client()
    response = client.chat.completions.create(model="builtin/smollm2", messages=QUESTION, max_tokens=8, seed=1,
                                              temperature=0)
    assert response.choices[0].message.content
    assert response.choices[0].finish_reason in ("stop", "length")
    assert 0 < response.usage.completion_tokens <= 8 and response.usage.prompt_tokens > 0

    async def streamed() -> tuple[str, list]:
        async with running.async_client() as aclient:
            stream = await aclient.chat.completions.create(model="builtin/smollm2", messages=QUESTION,
                                                           max_completion_tokens=8, stream=True,
                                                           stream_options={"include_usage": True})
            chunks = [chunk async for chunk in stream]
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), chunks

    text, chunks = asyncio.run(streamed())
    assert text and chunks[0].choices[0].delta.role == "assistant"
    assert 0 < chunks[-1].usage.completion_tokens <= 8 and chunks[-1].choices == []


def test_guarded_smollm2_carries_the_extension(serve):
    response = serve().client().chat.completions.create(model="assistant/builtin/smollm2",
                                                        messages=[{"role": "user", "content": "What is a fever?"}],
                                                        max_tokens=8)
    extension = response.model_extra["medchat"]
    assert extension["citations"] and "findings" in extension["safety"]
    assert response.usage.completion_tokens > 0


def test_smollm2_json_schema_output(serve):
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
              "additionalProperties": False}
    response = serve().client().chat.completions.create(
        model="builtin/smollm2", messages=[{"role": "user", "content": "Is water wet? Answer in JSON."}],
        max_tokens=24, temperature=0, response_format={"type": "json_schema",
                                                       "json_schema": {"name": "answer", "schema": schema}})
    assert isinstance(json.loads(response.choices[0].message.content)["ok"], bool)
