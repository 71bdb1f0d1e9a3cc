"""A scriptable HTTP/1.1 server on 127.0.0.1 for wire tests of the real provider SDKs.

Each test queues ``Reply`` objects (or sets a ``handler``); the server answers requests in order and
records them. Streams are sent with chunked transfer encoding, so a "cut" stream (socket closed
without the terminating chunk) looks to the client exactly like a dropped connection, and a "hang"
waits on an event (never a sleep) until the test or the server's shutdown releases it.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    status: int = 200
    json: Any = None  # a JSON body
    body: bytes | None = None  # or raw bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Streaming: each item is sent as one chunk of the chunked body, already framed by the caller
    # (e.g. b"data: {...}\n\n" for SSE, or one JSON array element for Gemini without alt=sse).
    stream: list[bytes] | None = None
    content_type: str = "application/json"
    cut_after: int | None = None  # stream: drop the connection after this many items
    hang: bool = False  # do not answer until released
    hang_after: int | None = None  # stream: send this many items, then go silent until released
    pause_after: int | None = None  # stream: send this many items, wait until released, then send the rest
    cut_body_at: int | None = None  # whole body: announce its full length, send this many bytes, drop the connection
    reset: bool = False  # answer nothing: reset the connection (TCP RST) as soon as the request is read
    delay_s: float = 0.0  # answer after this long (a benchmark's model latency; released early at shutdown)


def sse(*payloads: Any, done: bool = True) -> list[bytes]:
    """Frame payloads as server-sent events (``data: <json>``), optionally ending with ``[DONE]``."""
    events = [b"data: " + (p if isinstance(p, bytes) else json.dumps(p).encode()) + b"\n\n" for p in payloads]
    if done:
        events.append(b"data: [DONE]\n\n")
    return events


class FakeServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.handler: Callable[[Recorded], Reply] | None = None
        self.requests: list[Recorded] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.requests.append(rec)
                    if server.replies:
                        reply = server.replies.pop(0)
                    elif server.handler is not None:
                        reply = server.handler(rec)
                    else:
                        reply = Reply(status=500, json={"error": {"message": "no reply queued"}})
                server._answer(self, reply)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default backlog (5) drops connections when many clients arrive at once

            def handle_error(self, request: Any, client_address: Any) -> None:
                import sys

                if not isinstance(sys.exc_info()[1], ConnectionError):  # clients hanging up are expected
                    super().handle_error(request, client_address)

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    # -- answering ---------------------------------------------------------------------------------
    def _answer(self, h: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.delay_s:
            self.release.wait(reply.delay_s)
        if reply.hang:
            self.release.wait()
            self._drop(h)
            return
        if reply.reset:
            self._reset(h)
            return
        h.send_response(reply.status)
        for k, v in reply.headers.items():
            h.send_header(k, v)
        if reply.stream is None:
            payload = reply.body if reply.body is not None else json.dumps(reply.json).encode()
            h.send_header("Content-Type", reply.content_type)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            if reply.cut_body_at is not None:
                h.wfile.write(payload[:reply.cut_body_at])
                self._drop(h)
                return
            h.wfile.write(payload)
            h.wfile.flush()
            return
        h.send_header("Content-Type", reply.content_type)
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Cache-Control", "no-cache")
        h.end_headers()
        for i, item in enumerate(reply.stream):
            if reply.cut_after is not None and i >= reply.cut_after:
                self._drop(h)
                return
            if reply.hang_after is not None and i >= reply.hang_after:
                self.release.wait()
                self._drop(h)
                return
            if reply.pause_after is not None and i == reply.pause_after:
                self.release.wait()
            h.wfile.write(f"{len(item):x}\r\n".encode() + item + b"\r\n")
            h.wfile.flush()
        if reply.cut_after is not None and reply.cut_after >= len(reply.stream):
            self._drop(h)
            return
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    @staticmethod
    def _reset(h: BaseHTTPRequestHandler) -> None:
        """Abort the connection: with a zero linger time, closing sends a TCP RST instead of a FIN."""
        h.close_connection = True
        try:
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
        except OSError:
            pass

    @staticmethod
    def _drop(h: BaseHTTPRequestHandler) -> None:
        """Close the socket abruptly, as a crashed upstream or a cut network would."""
        h.close_connection = True
        try:
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
