"""Streams that fail or are abandoned: an error event after the start, an HTTP status before it, and a client
that disconnects stops the generation."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import ClassVar

import httpx
import openai
import pytest

from medchat.errors import BadRequestError, ModelUnavailableError
from medchat.models.base import ProviderModel
from medchat.models.registry import ModelSpec, register_provider
from medchat.types import ChatRequest, Chunk

QUESTION = [{"role": "user", "content": "hello"}]


class Behaving(ProviderModel):
    """``server-test/partial``: text, then an upstream failure; ``server-test/refused``: a 400 before any text;
    ``server-test/endless``: text, then nothing until the stream is closed (``closed`` is set then, and
    ``cancelled`` if it was cancelled while waiting); ``server-test/crash``: a bug (not a medchat error) before
    any text. ``started`` is set as each begins."""

    provider = "server-test"
    closed: ClassVar[dict[str, threading.Event]] = defaultdict(threading.Event)
    cancelled: ClassVar[dict[str, threading.Event]] = defaultdict(threading.Event)
    started: ClassVar[dict[str, threading.Event]] = defaultdict(threading.Event)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        kind = self.name.split("/", 1)[1]
        event = self.closed[kind]
        self.started[kind].set()
        try:
            if kind == "refused":
                raise BadRequestError("the upstream rejected the prompt (400)", model=self.name, status=400)
            if kind == "crash":
                raise RuntimeError("a bug with a secret inside")
            yield Chunk(text="Hello ")
            yield Chunk(text="world ")
            if kind == "partial":
                raise ModelUnavailableError("the upstream went away (503)", model=self.name, status=503)
            if kind == "endless":
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    self.cancelled[kind].set()
                    raise
            yield Chunk(final=True, finish_reason="stop")
        finally:
            event.set()


@register_provider("server-test", description="scripted behaviours for the server tests")  # servable
def _create(spec: ModelSpec) -> Behaving:
    spec.done()
    return Behaving(spec.name)


@pytest.fixture(autouse=True)
def fresh_events():
    Behaving.closed.clear()
    Behaving.cancelled.clear()
    Behaving.started.clear()


def test_error_after_the_stream_started_is_an_error_event(serve):
    running = serve()
    body = {"model": "server-test/partial", "messages": QUESTION, "stream": True}
    with httpx.stream("POST", f"{running.base_url}/chat/completions", json=body) as response:
        assert response.status_code == 200
        events = [e for e in response.read().decode().split("\n\n") if e]
    assert "data: [DONE]" not in events
    last = json.loads(events[-1].removeprefix("data: "))
    assert last["error"]["code"] == "upstream_unavailable" and "went away" in last["error"]["message"]
    with pytest.raises(openai.APIError, match="went away"):
        list(running.client().chat.completions.create(model="server-test/partial", messages=QUESTION, stream=True))


def test_error_before_any_text_is_an_http_status(serve):
    with pytest.raises(openai.BadRequestError) as raised:
        serve().client().chat.completions.create(model="server-test/refused", messages=QUESTION, stream=True)
    assert raised.value.code == "upstream_rejected"


def test_client_disconnect_closes_the_model_stream(serve):
    running = serve()
    body = {"model": "server-test/endless", "messages": QUESTION, "stream": True}
    with httpx.stream("POST", f"{running.base_url}/chat/completions", json=body) as response:
        lines = response.iter_lines()  # kept: closing this iterator would close the connection (httpcore)
        for line in lines:
            if "Hello" in line:
                break
        assert not Behaving.closed["endless"].is_set()
    # Leaving the block closed the connection: the server cancels the answer, which closes the model's stream.
    assert Behaving.closed["endless"].wait(timeout=30)


def test_client_disconnect_cancels_a_non_streamed_answer(serve):
    """A non-streamed answer is awaited as a whole; a client that leaves meanwhile cancels it (the model's
    generation stops) rather than letting it run to its end for nobody."""
    running = serve()
    body = json.dumps({"model": "server-test/endless", "messages": QUESTION}).encode()
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                       b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert Behaving.started["endless"].wait(timeout=30), "the model was never asked"
        assert not Behaving.closed["endless"].is_set()
    # The connection is closed: the server sees the disconnect and cancels the generation.
    assert Behaving.cancelled["endless"].wait(timeout=30)
    assert Behaving.closed["endless"].is_set()
    # The server goes on answering.
    assert httpx.get(f"{running.url}/healthz").status_code == 200


def test_unexpected_exception_is_a_one_line_500(serve):
    running = serve()
    for stream in (False, True):
        body = {"model": "server-test/crash", "messages": QUESTION, "stream": stream}
        response = httpx.post(f"{running.base_url}/chat/completions", json=body)
        assert response.status_code == 500 and response.headers["x-request-id"]
        error = response.json()["error"]
        assert error["code"] == "internal_error" and response.headers["x-request-id"] in error["message"]
        assert "secret" not in response.text and "Traceback" not in response.text
