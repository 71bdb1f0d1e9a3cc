"""The run store: an error is the one result a later one may replace, and a run whose process died reads as
interrupted rather than running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from medchat.evaluation.output import Output
from medchat.evaluation.results import SampleResult
from medchat.evaluation.store import STALE_AFTER_S, RunStore, live_status, pid_alive, process_started, this_host
from medchat.storage.db import Database
from medchat.storage.schema import EvalRunRow

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """SQLite, and PostgreSQL (``tests/postgres.py``)."""
    database = Database(database_url)
    database.migrate()
    yield database
    database.close()


def result(run_id: str, sample: str, *, error: str | None = None, text: str = "an answer") -> SampleResult:
    output = None if error else Output(text=text, model="test/m")
    return SampleResult(run_id=run_id, task="qa", model="test/m", sample_id=sample, output=output, error=error)


def test_an_error_gives_way_to_an_answer_but_an_answer_stays(database: Database) -> None:
    store = RunStore(database)
    run = store.create_run(tasks=["qa"], models=["test/m"], config={}, planned=2)
    assert store.add_result(result(run.id, "s0", error="timed out"))
    assert store.add_result(result(run.id, "s1"))
    assert store.done_keys(run.id) == {("qa", "test/m", "s1", 0)}
    assert store.error_keys(run.id) == {("qa", "test/m", "s0", 0)}

    assert store.add_result(result(run.id, "s0", error="timed out again"))  # a newer error replaces the older
    assert store.add_result(result(run.id, "s0", text="finally"))
    assert store.add_result(result(run.id, "s0", error="late error")) is False  # the answer is kept
    assert store.add_result(result(run.id, "s1", text="another")) is False

    stored = {r.sample_id: r for r in store.results(run.id)}
    assert len(store.results(run.id)) == 2
    assert stored["s0"].error is None and stored["s0"].output is not None and stored["s0"].output.text == "finally"
    assert store.get_run(run.id).errors == 0


def finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_process_that_is_gone_or_a_zombie_is_not_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(finished_pid())
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert pid_alive(child.pid)
        child.kill()
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped: a zombie
        assert not pid_alive(child.pid)
    finally:
        child.wait()


def test_a_running_run_reads_interrupted_once_its_process_is_gone_or_silent() -> None:
    fresh = NOW - timedelta(seconds=5)
    stale = NOW - timedelta(seconds=STALE_AFTER_S + 1)
    here, mine, dead = "this-host", os.getpid(), finished_pid()

    def status(stored: str = "running", *, heartbeat: datetime = fresh, pid: int | None = mine,
               host: str | None = here) -> str:
        return live_status(stored, heartbeat_at=heartbeat, owner_pid=pid, owner_host=host, now=NOW, host=here)

    assert status() == "running"
    assert status(pid=dead) == "interrupted"  # killed here: known at once
    assert status(pid=dead, host="another-host") == "running"  # another host's pid says nothing here...
    assert status(pid=dead, host="another-host", heartbeat=stale) == "interrupted"  # ...its silence does
    assert status(heartbeat=stale) == "interrupted"  # a reused pid keeps no stale run alive
    assert status(pid=None, host=None) == "running"  # a run from before heartbeats, updated recently
    assert status("completed", pid=dead) == "completed"


def test_listing_and_reading_a_run_whose_process_died(database: Database) -> None:
    store = RunStore(database, now=lambda: NOW, host="this-host")
    alive = store.create_run(tasks=["qa"], models=["test/m"], config={}, planned=1, run_id="20261201-000000-aaaa")
    killed = store.create_run(tasks=["qa"], models=["test/m"], config={}, planned=1, run_id="20261201-000001-bbbb")
    assert alive.owner_pid == os.getpid() and alive.owner_host == "this-host" and alive.heartbeat_at == NOW
    assert alive.owner_started == process_started(os.getpid()) is not None
    with database.transaction() as session:
        session.get(EvalRunRow, killed.id).owner_pid = finished_pid()

    assert store.get_run(alive.id).status == "running"
    assert store.get_run(killed.id).status == "interrupted"
    assert {r.id: r.status for r in store.list_runs()} == {alive.id: "running", killed.id: "interrupted"}

    later = RunStore(database, now=lambda: NOW + timedelta(seconds=STALE_AFTER_S + 1), host="another-host")
    assert later.get_run(alive.id).status == "interrupted"  # seen from elsewhere, after its heartbeat stopped
    store.heartbeat(alive.id)
    assert RunStore(database, now=lambda: NOW + timedelta(seconds=60), host="x").get_run(alive.id).status == "running"

    store.update_run(killed.id, status="running")  # resumed by this process: owned again
    assert store.get_run(killed.id).status == "running" and store.get_run(killed.id).owner_pid == os.getpid()
    assert RunStore(database).host == this_host()


def test_this_host_is_the_hostname_and_the_pid_namespace() -> None:
    namespace = os.stat("/proc/self/ns/pid").st_ino  # Linux, where containers share hostnames, not pids
    assert this_host() == f"{socket.gethostname()}/pidns:{namespace}"


def test_a_pid_alone_is_trusted_only_in_its_own_host_and_pid_namespace() -> None:
    fresh = NOW - timedelta(seconds=5)
    dead = finished_pid()

    def status(owner: str, here: str) -> str:
        return live_status("running", heartbeat_at=fresh, owner_pid=dead, owner_host=owner, now=NOW, host=here)

    # a container sharing the host's network (and so its hostname) cannot see a live run's pid: not judged
    assert status("box/pidns:4026532100", "box/pidns:4026531836") == "running"
    assert status("box/pidns:4026531836", "box/pidns:4026531836") == "interrupted"


def test_a_reused_pid_is_told_apart_by_its_start_time_and_a_suspended_owner_is_still_running() -> None:
    fresh = NOW - timedelta(seconds=5)
    stale = NOW - timedelta(seconds=STALE_AFTER_S + 1)
    here, mine = "this-host/pidns:1", os.getpid()
    started = process_started(mine)
    assert isinstance(started, int) and process_started(finished_pid()) is None

    def status(*, heartbeat: datetime = fresh, pid: int = mine, start: int | None = started) -> str:
        return live_status("running", heartbeat_at=heartbeat, owner_pid=pid, owner_host=here,
                           owner_started=start, now=NOW, host=here)

    assert status() == "running"
    assert status(start=started + 1) == "interrupted"  # that pid is another process now
    assert status(heartbeat=stale) == "running"  # alive and the same process: a stale heartbeat means it waits
    assert status(heartbeat=stale, start=None) == "interrupted"  # nothing to tell a reused pid by: the heartbeat

    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        child_started = process_started(child.pid)
        os.kill(child.pid, signal.SIGSTOP)  # suspended, as by Ctrl-Z: it renews no heartbeat, but is alive
        assert status(pid=child.pid, start=child_started, heartbeat=stale) == "running"
    finally:
        child.kill()
        child.wait()
    assert status(pid=child.pid, start=child_started, heartbeat=fresh) == "interrupted"
