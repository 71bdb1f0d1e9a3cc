"""After every request: the HTTP metrics, a chat route's metrics, and one JSON access-log line.

``ObserveMiddleware`` is pure ASGI and outermost, so it sees every response (413s and 500s of
``ServerMiddleware`` included) and, for a stream, its last byte. A chat route tells it what it learned through
the ``Exchange`` in the request's state (``exchange_of``): the model once it resolved, streamed or not, the
answer's ``Ending`` (usage, timing, cost, safety report) or a failure. The key comes from ``authenticate``.

The log line (logger ``medchat.server.access``, INFO) holds no message text and no key: the key's name and
public prefix only.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medchat.server.metrics import Metrics

if TYPE_CHECKING:
    from fastapi import Request

    from medchat.server.routes.openai import Ending

access_log = logging.getLogger("medchat.server.access")

CLIENT_GONE = 499  # nginx's "client closed request": the status logged for an answer its client left before


@dataclass
class Exchange:
    """What a chat route learned about its request."""

    stream: bool = False
    model: str | None = None  # set only once the model resolved
    ending: Ending | None = None
    failed: bool = False  # an error event ended a started stream
    cache: str | None = None  # "hit" or "miss" when the model has a response cache

    def outcome(self, status: int) -> str:
        if self.ending is not None:
            return "ok"
        return "error" if self.failed or (status >= 400 and status != CLIENT_GONE) else "cancelled"


def exchange_of(request: Request, *, stream: bool) -> Exchange:
    exchange = Exchange(stream=stream)
    request.state.exchange = exchange
    return exchange


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        start = time.perf_counter()
        status = 500
        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                self._record(scope, state, status, time.perf_counter() - start)

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                record()  # before the last byte leaves: a client that has its answer finds it counted and logged
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            record()  # a response that never finished (a client gone, a crash after the start)

    def _record(self, scope: Scope, state: dict[str, Any], status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "-"  # the template; "-" when none matched
        method = scope["method"]
        self.metrics.observe_http(route, method, status, seconds)
        key = state.get("api_key")
        key_name = key.name if key is not None else "-"
        exchange: Exchange | None = state.get("exchange")
        if exchange is not None:
            self.metrics.observe_chat(exchange, key_name, exchange.outcome(status))
        if not access_log.isEnabledFor(logging.INFO):
            return
        line: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": state.get("request_id"), "method": method, "route": route, "status": status,
            "duration_s": round(seconds, 6), "key": key_name, "key_prefix": key.prefix if key is not None else None,
        }
        if exchange is not None:
            ending = exchange.ending
            timing = ending.timing if ending is not None else None
            line.update(model=exchange.model, stream=exchange.stream, outcome=exchange.outcome(status),
                        prompt_tokens=ending.usage.prompt_tokens if ending else None,
                        completion_tokens=ending.usage.completion_tokens if ending else None,
                        ttft_s=timing.ttft_s if timing else None)
        access_log.info(json.dumps(line, separators=(",", ":")))
