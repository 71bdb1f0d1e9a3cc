"""One pure-ASGI middleware for what every response needs, matched route or not: the ``x-request-id``
header (the client's, when it sent a sane one), the body-size limit (413 before the body is read), and a
one-line 500 in OpenAI's shape for an unexpected exception (logged with its traceback, never sent)."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medchat.server.errors import ApiError

log = logging.getLogger("medchat.server")

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class ServerMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _CLIENT_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            receive = await self._limited(headers, receive)
        except ApiError as error:
            await error.response()(scope, receive, send_with_id)
            return
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("request %s failed", request_id)
            if not started:
                error = ApiError(500, f"internal error (request {request_id}) — the server log has the details",
                                 type="server_error", code="internal_error")
                await error.response()(scope, receive, send_with_id)

    async def _limited(self, headers: dict[bytes, bytes], receive: Receive) -> Receive:
        """``receive`` itself when the declared length is within the limit; a 413 when it is over; a body
        without a length is read here up to the limit and replayed."""
        limit = self.max_body_bytes
        too_large = ApiError(413, f"the request body is larger than the server's limit of {limit} bytes",
                             code="request_too_large")
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise ApiError(400, "invalid Content-Length header") from None
            if declared > limit:
                raise too_large
            return receive
        if b"transfer-encoding" not in headers:
            return receive
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _replay([message], receive)
            size += len(message.get("body", b""))
            if size > limit:
                raise too_large
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                return _replay([{"type": "http.request", "body": b"".join(parts), "more_body": False}], receive)


def _replay(messages: list[dict[str, Any]], then: Receive) -> Receive:
    """The messages already read, then the connection's own ``receive`` (which reports the disconnect)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return receive
