"""Each computing generation's share of the idle cores (``medchat.models.cpu_shares``)."""

import pytest

from medchat.models.cpu_shares import CpuShares, available_cores


def test_a_lone_generation_gets_every_core_and_concurrent_ones_split_them():
    shares = CpuShares(cores=8, load=lambda: 0.0)
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
    shares = CpuShares(cores=2, load=lambda: 0.0)
    with shares.computing(), shares.computing(), shares.computing():
        assert shares.threads() == 1


def test_an_explicit_thread_count_is_kept_and_still_counts_for_the_others():
    shares = CpuShares(cores=4, load=lambda: 0.0)
    with shares.computing() as fixed:  # a generation with the user's n_threads=3
        assert shares.threads(fixed, 3) == 3 and fixed.threads == 3
        with shares.computing() as other:
            assert shares.threads(fixed, 3) == 3 and shares.threads(other) == 2


def test_a_failing_generation_is_released():
    shares = CpuShares(cores=2, load=lambda: 0.0)
    with pytest.raises(RuntimeError), shares.computing():
        raise RuntimeError("llama.cpp failed")
    assert shares.active == 0 and shares.threads() == 2


def test_cores_other_work_keeps_busy_are_left_to_it():
    load = {"now": 1.0}  # another process keeps one of four cores busy
    shares = CpuShares(cores=4, load=lambda: load["now"])
    with shares.computing() as alone:
        assert shares.threads(alone) == 3
        load["now"] = 9.0  # a loaded machine: one thread, never none
        assert shares.threads(alone) == 1
        with shares.computing() as second:
            assert shares.threads(second) == 1


def test_its_own_recent_threads_do_not_count_as_other_work(monkeypatch):
    """The load average lags: right after this process ran 2 threads for minutes it still reads ~2, which is
    ours, not another job's; the next generation gets both cores again."""
    from types import SimpleNamespace

    import medchat.models.cpu_shares as cpu_shares

    clock = {"now": 0.0}
    monkeypatch.setattr(cpu_shares, "time", SimpleNamespace(monotonic=lambda: clock["now"]))
    shares = CpuShares(cores=2, load=lambda: 2.0)
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
