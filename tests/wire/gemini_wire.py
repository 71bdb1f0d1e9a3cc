"""Gemini REST wire format (``generateContent`` / ``streamGenerateContent?alt=sse``) for the fake server.

Bodies are written in the API's own camelCase JSON, as Google's servers send them, so the tests
exercise the SDK's real parsing rather than objects we built ourselves.
"""

from __future__ import annotations

import json
from typing import Any

from tests.wire.fake_server import Reply


def candidate(text: str | None, finish: str | None = None, *, thought: str | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if thought is not None:
        parts.append({"text": thought, "thought": True})
    if text is not None:
        parts.append({"text": text})
    out: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish is not None:
        out["finishReason"] = finish
    return out


def usage(prompt: int, output: int | None = None, thoughts: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"promptTokenCount": prompt}
    total = prompt
    if output is not None:
        out["candidatesTokenCount"] = output
        total += output
    if thoughts is not None:
        out["thoughtsTokenCount"] = thoughts
        total += thoughts
    out["totalTokenCount"] = total
    return out


def response(text: str, finish: str = "STOP", *, prompt: int = 7, output: int = 3, thoughts: int | None = None,
             thought: str | None = None) -> dict[str, Any]:
    """One whole ``GenerateContentResponse``."""
    return {
        "candidates": [candidate(text, finish, thought=thought)],
        "usageMetadata": usage(prompt, output, thoughts),
        "modelVersion": "gemini-2.5-flash",
        "responseId": "resp-1",
    }


def reply(text: str, finish: str = "STOP", **kwargs: Any) -> Reply:
    return Reply(json=response(text, finish, **kwargs))


def stream_events(*texts: str, finish: str | None = "STOP", prompt: int = 7, output: int | None = None,
                  sep: bytes = b"\n\n") -> list[bytes]:
    """SSE events as Gemini sends them: text per event, running usage, finishReason on the last.

    Google's servers end events with ``\r\n\r\n``; ``sep`` lets a test check both line endings.
    """
    events = []
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        payload: dict[str, Any] = {
            "candidates": [candidate(text, finish if last else None)],
            "usageMetadata": usage(prompt, (output if output is not None else len(texts)) if last else None),
            "modelVersion": "gemini-2.5-flash",
        }
        events.append(b"data: " + json.dumps(payload).encode() + sep)
    return events


def sse_events(*payloads: dict[str, Any], sep: bytes = b"\n\n") -> list[bytes]:
    """Arbitrary payloads (an error, a blocked prompt) framed as Gemini SSE events; no ``[DONE]`` marker."""
    return [b"data: " + json.dumps(p).encode() + sep for p in payloads]


def stream_reply(*texts: str, **kwargs: Any) -> Reply:
    cut_after = kwargs.pop("cut_after", None)
    hang_after = kwargs.pop("hang_after", None)
    return Reply(stream=stream_events(*texts, **kwargs), content_type="text/event-stream", cut_after=cut_after,
                 hang_after=hang_after)


def error(code: int, status: str, message: str, *details: dict[str, Any],
          headers: dict[str, str] | None = None) -> Reply:
    """A Google API error body: ``{"error": {"code", "message", "status", "details"}}``."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, "status": status}}
    if details:
        body["error"]["details"] = list(details)
    return Reply(status=code, json=body, headers=headers or {})


def key_invalid() -> Reply:
    """What Gemini really answers to a wrong API key: 400, not 401."""
    return error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                 {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                  "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}})


def retry_info(delay: str) -> dict[str, Any]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
