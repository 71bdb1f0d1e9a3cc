"""``medchat serve`` as a process: prints its URL, answers, and stops cleanly on SIGTERM — streams in progress
finish within ``server.shutdown_grace_s`` or end with an ``error`` event, never a silent cut — and exits 0."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.wire.fake_server import Reply, sse

QUESTION = [{"role": "user", "content": "hello"}]


def start(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """``medchat serve --port 0`` and the server's URL (without ``/v1``), read from the line it prints."""
    process = subprocess.Popen([sys.executable, "-m", "medchat.cli", "serve", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    line = process.stdout.readline()
    url = re.search(r"http://\S+/v1", line)
    if not url:
        process.kill()
        raise AssertionError(line + process.stderr.read())
    return process, url.group(0).removesuffix("/v1")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_starts_answers_and_stops_on_sigterm():
    process, url = start()
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            assert http.get("/readyz").status_code == 200
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully (lifespan shutdown included); a stop that was asked for is a success.
        assert process.wait(timeout=60) == 0
        stderr = process.stderr.read()
        assert "Traceback" not in stderr
        access = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]  # one per request
        assert [(a["route"], a["status"]) for a in access] == [("/healthz", 200), ("/readyz", 200)]
    finally:
        stop(process)


def slow_upstream(fake_server, streams: int, **pause: int) -> dict[str, str]:
    """A ``slow`` model alias on the fake OpenAI-compatible server, whose answers each send "Hello " and then
    wait for ``fake_server.release`` (``pause_after=1``: then finish; ``hang_after=1``: then the connection drops)."""
    Path("medchat.toml").write_text(f'[models.slow]\nmodel = "vllm/test-model"\nbase_url = "{fake_server.url}/v1"\n')
    event = {"id": "1", "object": "chat.completion.chunk", "created": 1, "model": "test-model"}
    chunks = [{**event, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
              for text in ("Hello ", "world.")]
    chunks.append({**event, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    for _ in range(streams):
        fake_server.queue(Reply(content_type="text/event-stream", stream=sse(*chunks), **pause))
    return {"MEDCHAT_RETRY__MAX_ATTEMPTS": "1"}


def sigterm_during_streams(process: subprocess.Popen[str], url: str, streams: int, then=None) -> list[list[str]]:
    """Open ``streams`` streams of the slow model; once each has its first text, SIGTERM the server; once it
    logs that it is shutting down, call ``then``; every stream's events, each read to its end."""
    body = {"model": "slow", "messages": QUESTION, "stream": True}
    with httpx.Client(base_url=url, timeout=120) as http, contextlib.ExitStack() as opened:
        started = []
        for _ in range(streams):
            response = opened.enter_context(http.stream("POST", "/v1/chat/completions", json=body))
            assert response.status_code == 200
            lines = response.iter_lines()  # kept: closing the iterator would close the connection
            events = []
            for line in lines:
                if line:
                    events.append(line)
                if "Hello" in line:
                    break
            started.append((lines, events))
        process.send_signal(signal.SIGTERM)
        for line in process.stderr:  # synchronise on the server's own word, not on time
            assert "Traceback" not in line, line
            if "answers in progress have" in line:  # Draining.begin
                break
        if then is not None:
            then()
        for lines, events in started:
            events.extend(line for line in lines if line)
    return [events for _, events in started]


def test_sigterm_lets_streams_in_progress_finish(fake_server):
    env = slow_upstream(fake_server, 3, pause_after=1)
    process, url = start(env)
    try:
        streams = sigterm_during_streams(process, url, 3, then=fake_server.release.set)
        for events in streams:
            assert events[-1] == "data: [DONE]", events
            text = "".join(json.loads(e.removeprefix("data: "))["choices"][0]["delta"].get("content") or ""
                           for e in events[:-1] if json.loads(e.removeprefix("data: "))["choices"])
            assert text == "Hello world."
        assert process.wait(timeout=60) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        stop(process)


def test_sigterm_ends_streams_past_the_grace_period_with_an_error_event(fake_server):
    env = slow_upstream(fake_server, 3, hang_after=1)  # never released while the server runs
    process, url = start({**env, "MEDCHAT_SERVER__SHUTDOWN_GRACE_S": "0.5"})
    try:
        streams = sigterm_during_streams(process, url, 3)
        for events in streams:
            assert "data: [DONE]" not in events
            error = json.loads(events[-1].removeprefix("data: "))["error"]
            assert set(error) == {"message", "type", "param", "code"}
            assert error["code"] == "server_shutting_down" and error["type"] == "server_error"
            assert "Hello" in events[1]  # the text sent before the stop reached the client
        assert process.wait(timeout=60) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        stop(process)
