"""How many threads each local generation may use: the idle cores, split between the generations computing now.

Why: a fixed half of the cores costs a lone user speed on an idle machine (SmolLM2: 56 tok/s on 1 thread, 68–82 on
2), but more threads than idle cores cost more than they give: llama.cpp's threads meet at hundreds of barriers
per token, and one that waits for a descheduled partner holds everyone up (two threads on two cores with the load
average at 7: 15–21 tok/s against 22–23 on one; spinning at the barriers instead of sleeping, 0.5–10).
So each generation registers while it computes (prompt and decode; a request waiting for its model's lock does
not count) and asks before each llama.cpp decode call how many threads it may use: the cores that the rest of
the machine leaves idle (the 1-minute load average less the same average of this process's own generation
threads; it lags, but so do the other jobs that raise it), all of them when it runs alone and
``max(1, idle // k)`` each when ``k`` run at once. llama.cpp takes a new thread count between calls, so a running
generation shrinks at its next token when a second one starts, and grows back when it ends.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def available_cores() -> int:
    """Physical cores this process may run on: its CPU affinity, one per core (hyperthread siblings share their
    core's arithmetic units, which llama.cpp keeps busy), and no more than a cgroup CPU quota allows."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return max(os.cpu_count() or 1, 1)
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add((topology.joinpath("physical_package_id").read_text().strip(),
                       topology.joinpath("core_id").read_text().strip()))
        except OSError:
            cores.add(("cpu", str(cpu)))
    count = len(cores) or 1
    try:  # cgroup v2: "max 100000" or "<quota> <period>"
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def load_average() -> float:
    """The machine's 1-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


class Share:
    """One registered generation; ``threads`` is what it was last told to use."""

    __slots__ = ("threads",)

    def __init__(self) -> None:
        self.threads = 0


class CpuShares:
    """A process-wide register of the generations computing now, and each one's share of the idle cores."""

    def __init__(self, cores: int | None = None, load: Callable[[], float] = load_average) -> None:
        self.cores = cores if cores is not None else available_cores()
        self.load = load
        self._shares: set[Share] = set()
        self._lock = threading.Lock()
        self._ours = 0.0  # our generation threads, averaged like the kernel's 1-minute load average
        self._since = time.monotonic()

    def _account(self) -> None:
        """Fold the threads in use since the last call into ``_ours`` (with the lock held)."""
        now = time.monotonic()
        weight = 1 - math.exp(-(now - self._since) / 60)
        self._ours += (sum(s.threads for s in self._shares) - self._ours) * weight
        self._since = now

    @property
    def active(self) -> int:
        """Generations registered now."""
        return len(self._shares)

    def idle_cores(self) -> int:
        """The cores the rest of the machine leaves to this process's generations (at least one)."""
        with self._lock:
            self._account()
            ours = self._ours
        others = max(0.0, self.load() - ours)
        return max(1, min(self.cores, self.cores - round(others)))

    def threads(self, share: Share | None = None, explicit: int | None = None) -> int:
        """Threads for ``share`` now (recorded in it); ``explicit`` (a user's ``n_threads``) always wins."""
        n = explicit or max(1, self.idle_cores() // max(1, self.active))
        if share is not None:
            with self._lock:
                self._account()
                share.threads = n
        return n

    @contextlib.contextmanager
    def computing(self) -> Iterator[Share]:
        """Register one generation for the duration of the block (take it after the model's own lock)."""
        share = Share()
        with self._lock:
            self._shares.add(share)
        try:
            yield share
        finally:
            with self._lock:
                self._account()
                self._shares.discard(share)


SHARES = CpuShares()
