"""The real builtin model through the server (small max_tokens): answers, streams and usage."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading

import httpx
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


STREAMS = 50


def test_fifty_concurrent_streams_all_finish_with_consistent_usage(serve):
    """50 streams at once on the one llama.cpp context: they are served one at a time (the rest wait their turn
    in the gateway's ConcurrencyLimit), and each ends with the usage llama.cpp counted for it. Greedy decoding
    of one prompt gives every stream the same text and counts; the non-streamed answer agrees, and re-tokenizing
    the text gives the completion count.

    The time to first token leaves the queue out: each stream's TTFT lies inside the time it held the engine,
    and those turns do not overlap, so the TTFTs of all 50 add up to less than the wall time of the whole batch.
    Were the wait counted, the k-th stream's TTFT alone would be about k turns long and the sum ~25 batches."""
    import time

    from medchat.models import llama_cpp

    running = serve()
    params = {"max_tokens": 8, "temperature": 0, "seed": 7}
    expected = running.client().chat.completions.create(model="builtin/smollm2", messages=QUESTION, **params)

    async def one(client) -> list:
        stream = await client.chat.completions.create(model="builtin/smollm2", messages=QUESTION, stream=True,
                                                      stream_options={"include_usage": True}, **params)
        return [chunk async for chunk in stream]

    async def all_at_once() -> tuple[list, float]:
        async with running.async_client() as client:
            began = time.perf_counter()
            streams = await asyncio.gather(*(one(client) for _ in range(STREAMS)))
            return streams, time.perf_counter() - began

    ttft_before = ttft(running)  # the non-streamed answer's (its TTFT is its whole time)
    streams, wall_s = asyncio.run(all_at_once())
    assert len(streams) == STREAMS
    texts = set()
    for chunks in streams:
        *content, last = chunks
        assert last.choices == [] and last.usage is not None  # the usage chunk closes the stream
        assert all(chunk.usage is None for chunk in content)  # and only it carries usage
        assert content[-1].choices[0].finish_reason in ("stop", "length")
        texts.add("".join(c.choices[0].delta.content or "" for c in content if c.choices))
        assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (expected.usage.prompt_tokens,
                                                                            expected.usage.completion_tokens)
    assert texts == {expected.choices[0].message.content}
    assert 1 <= expected.usage.completion_tokens <= 8 and expected.usage.prompt_tokens > 0
    (loaded,) = llama_cpp._CACHE.values()
    tokens = loaded.llama.tokenize(texts.pop().encode(), add_bos=False, special=False)
    assert len(tokens) == expected.usage.completion_tokens

    ttft_sum, ttft_count = (after - before for after, before in zip(ttft(running), ttft_before, strict=True))
    assert ttft_count == STREAMS
    assert ttft_sum < wall_s, (ttft_sum, wall_s)


def ttft(running) -> tuple[float, float]:
    """The server's TTFT histogram for SmolLM2: (sum of seconds, count)."""
    metrics = httpx.get(f"{running.url}/metrics").text
    found = [re.search(rf'medchat_ttft_seconds_{part}\{{model="builtin/smollm2"\}} (\S+)', metrics)
             for part in ("sum", "count")]
    return tuple(float(match.group(1)) if match else 0.0 for match in found)  # type: ignore[return-value]


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "non-streamed"])
def test_a_client_that_leaves_stops_the_generation(serve, monkeypatch, stream):
    """A client that disconnects once llama.cpp has produced its first token stops the generation at its next
    one: fewer tokens are generated than the same greedy request produces when it is read to the end."""
    from medchat.models import llama_cpp

    running = serve()
    body = {"model": "builtin/smollm2", "max_tokens": 200, "temperature": 0, "seed": 1,
            "messages": [{"role": "user", "content": "Write a long story about a cat who travels the world."}]}
    whole = httpx.post(f"{running.url}/v1/chat/completions", json=body, timeout=300).json()
    full = whole["usage"]["completion_tokens"]
    assert full > 40, whole  # long enough for a cut to show
    (pool,) = llama_cpp._CACHE.values()
    loaded = pool.contexts[0]  # one request at a time: always the first context
    generating = threading.Event()
    create = loaded.llama.create_chat_completion

    def recorded(*args, **kwargs):
        for event in create(*args, **kwargs):
            generating.set()
            yield event

    monkeypatch.setattr(loaded.llama, "create_chat_completion", recorded)
    payload = json.dumps({**body, "stream": stream}).encode()
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                       b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
        assert generating.wait(timeout=120), "the generation never began"
    # The worker thread lets go of the engine once it stops; then its count is final.
    assert loaded.lock.acquire(timeout=120)
    loaded.lock.release()
    assert loaded.llama.last_completion_tokens < full
