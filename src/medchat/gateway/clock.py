"""The end-to-end clock of one call, as its caller waits for it, minus the waits that are not about it.

``Retry`` keeps a ``CallClock`` across all of its attempts. The layers under it report time that is not
spent on this answer — waiting in ``ConcurrencyLimit`` for a busy local engine, loading weights in
``Timeout`` — inside ``with not_waiting():``, which subtracts it from the clock of the call in progress (and
from any clock around that one, which leaves out the same waits). The clock travels in a context variable,
so the ``ChatModel`` protocol stays as it is: nothing between ``Retry`` and the layers below needs to know
about it, and a layer used without ``Retry`` reports to no one.

A clock is current only while its call's code runs: ``with clock.current():`` around each ``await`` of the
inner call — for a stream, around each step of the inner stream, never across a ``yield`` to the consumer.
Between two steps the consumer may advance other streams in the same task, so a clock left current there
would collect their waits, and outlive its stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ACTIVE: ContextVar[tuple[CallClock, ...]] = ContextVar("medchat_call_clocks", default=())


class CallClock:
    """Seconds since it was made, less what the layers below reported as not waiting for this answer."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._started = clock()
        self.excluded_s = 0.0

    def elapsed(self) -> float:
        return max(self._clock() - self._started - self.excluded_s, 0.0)

    @contextmanager
    def current(self) -> Iterator[None]:
        """Make this the clock of the call in progress for the block (inside any clock already current)."""
        token = _ACTIVE.set((*_ACTIVE.get(), self))
        try:
            yield
        finally:
            _ACTIVE.reset(token)  # set and reset in one step of the caller: never across a yield


def current_clocks() -> tuple[CallClock, ...]:
    """The clocks of the calls in progress here, innermost last (none outside ``Retry``)."""
    return _ACTIVE.get()


@contextmanager
def not_waiting() -> Iterator[None]:
    """Leave the time spent inside this block (a queue, loading weights) out of the current calls' clocks."""
    clocks = _ACTIVE.get()
    began = [clock._clock() for clock in clocks]
    try:
        yield
    finally:
        for clock, start in zip(clocks, began, strict=True):
            clock.excluded_s += max(clock._clock() - start, 0.0)
