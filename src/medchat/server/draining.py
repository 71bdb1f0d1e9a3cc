"""Stopping gracefully: on SIGTERM (or SIGINT) answers in progress get ``server.shutdown_grace_s`` to finish.

uvicorn handles the signal: it stops accepting connections and waits for the open ones. ``Draining.on_signals``
(entered by the app's lifespan, in the process's main thread) wraps uvicorn's handler so the app learns of the
stop too; from then on every wait that ``Draining.wait`` bounds — a stream's next piece, a whole non-streamed
answer — ends at the deadline with ``ShuttingDown``, a 503 in OpenAI's shape (code ``server_shutting_down``),
which a started stream sends as its last event instead of being cut silently. uvicorn's own
``timeout_graceful_shutdown`` (a little longer, ``cli/serve_cmd.py``) is the backstop for anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Awaitable, Iterator
from typing import TypeVar

from medchat.server.errors import ApiError

log = logging.getLogger("medchat.server")

T = TypeVar("T")
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ShuttingDown(ApiError):
    def __init__(self) -> None:
        super().__init__(503, "the server is shutting down and ended this answer — ask again", type="server_error",
                         code="server_shutting_down")


class Draining:
    """Whether the process is stopping, and until when answers in progress may run (the event loop's clock)."""

    def __init__(self, grace_s: float = 30.0) -> None:
        self.grace_s = grace_s
        self.deadline: float | None = None
        self._waiting: set[asyncio.Timeout] = set()

    def begin(self) -> None:
        """Start the grace period (once); waits already running get the deadline too."""
        if self.deadline is not None:
            return
        self.deadline = asyncio.get_running_loop().time() + self.grace_s
        log.info("shutting down: answers in progress have %gs to finish (%d waiting)", self.grace_s,
                 len(self._waiting))
        for timeout in self._waiting:
            timeout.reschedule(self.deadline)

    async def wait(self, awaitable: Awaitable[T]) -> T:
        """``await awaitable``, unless the grace period ends first: then it is cancelled and ``ShuttingDown``
        raised. Before any stop, this costs one ``asyncio.timeout`` with no deadline."""
        timeout = asyncio.timeout_at(self.deadline)
        try:
            async with timeout:
                self._waiting.add(timeout)
                return await awaitable
        except TimeoutError:
            if self.deadline is not None and timeout.expired():
                raise ShuttingDown() from None
            raise  # the awaited work's own timeout
        finally:
            self._waiting.discard(timeout)

    @contextlib.contextmanager
    def on_signals(self) -> Iterator[None]:
        """While inside: SIGTERM and SIGINT begin the grace period, then go on to the handler installed before
        (uvicorn's, which stops the server). Only the main thread receives signals; elsewhere (a server run in
        a thread, as the tests do) this does nothing."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        loop = asyncio.get_running_loop()
        previous = {sig: signal.getsignal(sig) for sig in SIGNALS}

        def handle(sig: int, frame: object) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(self.begin)
            handler = previous[sig]
            if callable(handler):
                handler(sig, frame)
            elif handler == signal.SIG_DFL:
                signal.signal(sig, signal.SIG_DFL)
                signal.raise_signal(sig)

        for sig in SIGNALS:
            signal.signal(sig, handle)
        try:
            yield
        finally:
            for sig, handler in previous.items():
                if signal.getsignal(sig) is handle:
                    signal.signal(sig, handler)
