"""A flaky OpenAI-compatible upstream for ``FakeServer``: a share of calls fail, in every way a real one does.

    with FakeServer() as server:
        server.handler = FaultPlan(seed=7, rate=0.3, answer=lambda prompt: ...).reply

Each call's fate is drawn from ``(seed, prompt, how many times this prompt was asked before)``, not from the
order calls arrive in, so a run at any concurrency meets the same faults, and ``attempts_needed(prompt)``
says in advance how many calls a prompt takes to be answered. The faults:

- ``rate_limited``: 429 with ``Retry-After`` (a short one);
- ``error_500``, ``error_503``: an OpenAI-style error body;
- ``hang``: no answer until the server closes (the client's timeout must fire);
- ``cut_body``: the body announced in full, half of it sent, the connection dropped;
- ``invalid_json``: a complete response whose JSON body stops half-way (a proxy that cut it);
- ``reset``: the connection reset (TCP RST) as soon as the request is read;
- ``chunked_cut``: a chunked body dropped after its first chunk (an incomplete chunked read).

``GET /stats`` answers the calls counted so far and ``GET /reset`` starts the count (and so the faults) afresh,
for a benchmark running the server in another process.

``RateLimited`` is another upstream: at most ``limit`` requests in any ``window_s`` seconds, a 429 with the
``Retry-After`` until a slot frees beyond that, each answer taking ``latency_s``.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.wire.fake_server import Recorded, Reply

FAULTS = ("rate_limited", "error_500", "error_503", "hang", "cut_body", "invalid_json", "reset", "chunked_cut")


def completion(text: str, model: str = "test-model") -> dict[str, Any]:
    """A ``chat.completion`` body."""
    return {"id": "chatcmpl-fault", "object": "chat.completion", "created": 1_750_000_000, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": text, "refusal": None}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}}


def _error(status: int, message: str, **headers: str) -> Reply:
    return Reply(status=status, json={"error": {"message": message, "type": "server_error", "param": None,
                                                "code": None}}, headers=headers)


@dataclass
class FaultPlan:
    seed: int = 0
    rate: float = 0.3
    answer: Callable[[str], str] = lambda prompt: f"Answer to: {prompt}"
    retry_after_s: float = 0.01
    faults: tuple[str, ...] = FAULTS
    may_hang: Callable[[str], bool] | None = None  # the prompts a hang may hit (None: all); others get another fault
    calls: Counter[str] = field(default_factory=Counter)  # per prompt
    outcomes: Counter[str] = field(default_factory=Counter)  # per fault, and "ok"
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, prompt: str, attempt: int) -> str | None:
        """The fault the ``attempt``-th call (from 0) for ``prompt`` meets, or ``None`` for an answer."""
        rng = random.Random(f"{self.seed}\0{prompt}\0{attempt}")
        if rng.random() >= self.rate:
            return None
        fault = rng.choice(self.faults)
        if fault == "hang" and self.may_hang is not None and not self.may_hang(prompt):
            fault = rng.choice([f for f in self.faults if f != "hang"])  # each hang costs the client's timeout
        return fault

    def attempts_needed(self, prompt: str) -> int:
        """Calls until ``prompt`` is answered (the first call without a fault), counting from the first."""
        attempt = 0
        while self.fault(prompt, attempt) is not None:
            attempt += 1
        return attempt + 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": sum(self.calls.values()), "prompts": len(self.calls), "outcomes": dict(self.outcomes)}

    def reply(self, request: Recorded) -> Reply:
        if request.method == "GET" and request.path.rstrip("/").endswith("/stats"):
            return Reply(json=self.stats())
        if request.method == "GET" and request.path.rstrip("/").endswith("/reset"):  # the same faults again
            with self._lock:
                self.calls.clear()
                self.outcomes.clear()
            return Reply(json={"reset": True})
        body = request.json or {}
        prompt = body["messages"][-1]["content"]
        with self._lock:
            attempt = self.calls[prompt]
            self.calls[prompt] += 1
            fault = self.fault(prompt, attempt)
            self.outcomes[fault or "ok"] += 1
        payload = json.dumps(completion(self.answer(prompt), body.get("model", "test-model"))).encode()
        if fault is None:
            return Reply(body=payload)
        return {
            "rate_limited": lambda: _error(429, "Rate limit reached", **{"Retry-After": f"{self.retry_after_s:g}"}),
            "error_500": lambda: _error(500, "internal error"),
            "error_503": lambda: _error(503, "overloaded"),
            "hang": lambda: Reply(hang=True),
            "cut_body": lambda: Reply(body=payload, cut_body_at=len(payload) // 2),
            "invalid_json": lambda: Reply(body=payload[:len(payload) // 2]),
            "reset": lambda: Reply(reset=True),
            "chunked_cut": lambda: Reply(stream=[payload[:len(payload) // 2], payload[len(payload) // 2:]],
                                         cut_after=1),
        }[fault]()


@dataclass
class RateLimited:
    """An upstream allowing ``limit`` requests in any ``window_s`` seconds (a sliding log); beyond it a 429 whose
    ``Retry-After`` is the time until the oldest request in the window leaves it."""

    limit: int = 30
    window_s: float = 10.0
    latency_s: float = 0.0
    answer: Callable[[str], str] = lambda prompt: f"Answer to: {prompt}"
    accepted: list[float] = field(default_factory=list)  # time.monotonic() of each accepted request
    rejected: list[float] = field(default_factory=list)
    _recent: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            start = min([*self.accepted[:1], *self.rejected[:1]], default=0.0)
            return {"calls": len(self.accepted) + len(self.rejected), "accepted": len(self.accepted),
                    "rejected": len(self.rejected), "accepted_at": [t - start for t in self.accepted],
                    "rejected_at": [t - start for t in self.rejected]}

    def reply(self, request: Recorded) -> Reply:
        if request.method == "GET" and request.path.rstrip("/").endswith("/stats"):
            return Reply(json=self.stats())
        if request.method == "GET" and request.path.rstrip("/").endswith("/reset"):
            with self._lock:
                self.accepted.clear()
                self.rejected.clear()
                self._recent.clear()
            return Reply(json={"reset": True})
        body = request.json or {}
        now = time.monotonic()
        with self._lock:
            while self._recent and self._recent[0] <= now - self.window_s:
                self._recent.popleft()
            if len(self._recent) >= self.limit:
                self.rejected.append(now)
                wait = self._recent[0] + self.window_s - now
                return _error(429, f"Rate limit reached: {self.limit} requests per {self.window_s:g}s",
                              **{"Retry-After": f"{wait:.3f}"})
            self._recent.append(now)
            self.accepted.append(now)
        prompt = body["messages"][-1]["content"]
        return Reply(json=completion(self.answer(prompt), body.get("model", "test-model")), delay_s=self.latency_s)
