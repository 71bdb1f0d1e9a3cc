"""Evaluation runs in the database: each ``SampleResult`` is written the moment it is scored, so a killed
run loses nothing; the unique (run, task, model, sample, epoch) key means a resumed run cannot store a
sample twice. A result that is an error is the one kind a later result may replace: resuming (or
``--retry-errors``) asks those samples again and swaps the error for the answer in one transaction.

A process working on a run names itself on it (pid, host and pid namespace, the pid's start time) and
renews a heartbeat every ``HEARTBEAT_S``; readers report a ``running`` run as ``interrupted`` once that
process is gone — seen from the same host and pid namespace, by its pid and start time; seen from anywhere
else, by a heartbeat older than ``STALE_AFTER_S`` (see ``live_status``).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from medchat.evaluation.results import RunInfo, RunStatus, SampleResult
from medchat.storage.db import Database, NotFoundError
from medchat.storage.schema import EvalRunRow, SampleResultRow

ResultKey = tuple[str, str, str, int]
HEARTBEAT_S = 30.0  # how often a running process renews its run's heartbeat
STALE_AFTER_S = 180.0  # six missed heartbeats: the process is gone, wherever it ran


def new_run_id() -> str:
    """Sortable and readable: ``20261121-104512-3fa2``."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


class RunStore:
    def __init__(self, database: Database, *, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 host: str | None = None) -> None:
        self.database = database
        self._now = now
        self.host = host or this_host()  # where a pid means the same process as here (see ``this_host``)

    # -- runs --------------------------------------------------------------------------------------
    def create_run(self, *, tasks: list[str], models: list[str], config: dict[str, Any], planned: int,
                   run_id: str | None = None) -> RunInfo:
        """A new run, ``running`` and owned by this process."""
        row = EvalRunRow(id=run_id or new_run_id(), tasks=tasks, models=models,
                         config=to_jsonable_python(config), planned=planned, status="running")
        self._own(row)
        with self.database.transaction() as session:
            session.add(row)
        return self.get_run(row.id)

    def update_run(self, run_id: str, *, status: RunStatus | None = None, planned: int | None = None,
                   config: dict[str, Any] | None = None) -> None:
        """Set the status (``running`` makes this process the run's owner), the planned count or the config."""
        with self.database.transaction() as session:
            row = session.get(EvalRunRow, run_id)
            if row is None:
                raise _not_found(run_id)
            if status is not None:
                row.status = status
                if status == "running":
                    self._own(row)
            if planned is not None:
                row.planned = planned
            if config is not None:
                row.config = to_jsonable_python(config)
            row.updated_at = self._now()

    def request_cancel(self, run_id: str) -> bool:
        """Ask whichever process works on the run — on any host — to stop it: stored on the run, read by its
        runner between samples (``cancel_requested``), which then stops as for Ctrl-C (``interrupted``). False when
        the run is not stored as running. Running it again (``--resume``) clears the request."""
        with self.database.transaction() as session:
            found = session.execute(
                update(EvalRunRow).where(EvalRunRow.id == run_id, EvalRunRow.status == "running")
                .values(cancel_requested_at=func.coalesce(EvalRunRow.cancel_requested_at, self._now())))
            return bool(found.rowcount)  # type: ignore[attr-defined]

    def cancel_requested(self, run_id: str) -> bool:
        """Whether a cancel was asked for the run (``request_cancel``) since it last started running."""
        with self.database.session() as session:
            return session.scalar(select(EvalRunRow.cancel_requested_at).where(EvalRunRow.id == run_id)) is not None

    def heartbeat(self, run_id: str) -> None:
        """This process is still working on the run."""
        with self.database.transaction() as session:
            session.execute(update(EvalRunRow).where(EvalRunRow.id == run_id).values(heartbeat_at=self._now()))

    def _own(self, row: EvalRunRow) -> None:
        row.owner_pid, row.owner_host, row.heartbeat_at = os.getpid(), self.host, self._now()
        row.owner_started = process_started(os.getpid())
        row.cancel_requested_at = None  # running (again): an earlier cancel is done with

    def resolve_id(self, run_id: str) -> str:
        """A full run id from a unique prefix (``medchat runs show 2026112``); ``latest`` is the newest."""
        with self.database.session() as session:
            if run_id == "latest":
                found = session.scalars(select(EvalRunRow.id).order_by(EvalRunRow.created_at.desc()).limit(1)).all()
            else:
                found = session.scalars(select(EvalRunRow.id).where(EvalRunRow.id.startswith(run_id, autoescape=True))
                                        .limit(3)).all()
        if run_id in found:
            return run_id
        if len(found) == 1:
            return found[0]
        if not found:
            raise _not_found(run_id)
        raise NotFoundError(f"run id {run_id!r} is ambiguous ({', '.join(found)}...)", hint="give more characters")

    def get_run(self, run_id: str) -> RunInfo:
        run_id = self.resolve_id(run_id)
        with self.database.session() as session:
            row = session.get(EvalRunRow, run_id)
            if row is None:
                raise _not_found(run_id)
            done, errors, cost = session.execute(
                select(func.count(SampleResultRow.id), func.count(SampleResultRow.error),
                       func.coalesce(func.sum(SampleResultRow.cost_usd), 0.0))
                .where(SampleResultRow.run_id == run_id)).one()
            return self._info(row, done, errors, cost)

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        with self.database.session() as session:
            counts = (select(SampleResultRow.run_id, func.count(SampleResultRow.id).label("done"),
                             func.count(SampleResultRow.error).label("errors"),
                             func.coalesce(func.sum(SampleResultRow.cost_usd), 0.0).label("cost"))
                      .group_by(SampleResultRow.run_id).subquery())
            rows = session.execute(
                select(EvalRunRow, counts.c.done, counts.c.errors, counts.c.cost)
                .outerjoin(counts, counts.c.run_id == EvalRunRow.id)
                .order_by(EvalRunRow.created_at.desc()).limit(limit)).all()
            return [self._info(row, done or 0, errors or 0, cost or 0.0) for row, done, errors, cost in rows]

    def delete_run(self, run_id: str) -> None:
        run_id = self.resolve_id(run_id)
        with self.database.transaction() as session:
            session.execute(delete(EvalRunRow).where(EvalRunRow.id == run_id))

    # -- results -----------------------------------------------------------------------------------
    def add_result(self, result: SampleResult) -> bool:
        """Store one result, replacing a stored error for the same key; ``False`` (and nothing written) if
        an answer is stored for it already."""
        fields = {"run_id": result.run_id, "task": result.task, "model": result.model, "sample_id": result.sample_id,
                  "epoch": result.epoch, "error": result.error,
                  "cost_usd": result.output.cost_usd if result.output else None, "metrics": result.metrics(),
                  "result": result.model_dump(mode="json")}
        # Only an error gives way; an answer stays, and the insert then fails on the unique key (rolling the
        # delete back with it), so each sample is stored once whatever runs meanwhile. A second try covers an
        # error that another process stored for this key after our delete looked.
        for _ in range(2):
            try:
                with self.database.transaction() as session:
                    session.execute(delete(SampleResultRow).where(
                        SampleResultRow.run_id == result.run_id, SampleResultRow.task == result.task,
                        SampleResultRow.model == result.model, SampleResultRow.sample_id == result.sample_id,
                        SampleResultRow.epoch == result.epoch, SampleResultRow.error.is_not(None)))
                    session.add(SampleResultRow(**fields))
                    run = session.get(EvalRunRow, result.run_id)
                    if run is not None:
                        run.updated_at = self._now()
            except IntegrityError:
                continue
            return True
        return False

    def done_keys(self, run_id: str) -> set[ResultKey]:
        """The keys answered (errors excluded: a resumed run asks those again)."""
        return self._keys(run_id, SampleResultRow.error.is_(None))

    def error_keys(self, run_id: str) -> set[ResultKey]:
        """The keys whose stored result is an error."""
        return self._keys(run_id, SampleResultRow.error.is_not(None))

    def _keys(self, run_id: str, condition: Any) -> set[ResultKey]:
        with self.database.session() as session:
            rows = session.execute(select(SampleResultRow.task, SampleResultRow.model, SampleResultRow.sample_id,
                                          SampleResultRow.epoch).where(SampleResultRow.run_id == run_id, condition)
                                   ).all()
        return {(t, m, s, e) for t, m, s, e in rows}

    def results(self, run_id: str) -> list[SampleResult]:
        run_id = self.resolve_id(run_id)
        with self.database.session() as session:
            rows = session.execute(select(SampleResultRow.result, SampleResultRow.created_at)
                                   .where(SampleResultRow.run_id == run_id).order_by(SampleResultRow.id)).all()
        out = []
        for data, created in rows:
            result = SampleResult.model_validate(data)
            result.created_at = created
            out.append(result)
        return out


    def _info(self, row: EvalRunRow, done: int, errors: int, cost: float) -> RunInfo:
        status = live_status(row.status, heartbeat_at=row.heartbeat_at or row.updated_at, owner_pid=row.owner_pid,
                             owner_host=row.owner_host, owner_started=row.owner_started, now=self._now(),
                             host=self.host)
        return RunInfo(id=row.id, created_at=row.created_at, updated_at=row.updated_at, status=status,  # type: ignore[arg-type]
                       tasks=list(row.tasks), models=list(row.models), config=dict(row.config), planned=row.planned,
                       done=done, errors=errors, cost_usd=float(cost), owner_pid=row.owner_pid,
                       owner_host=row.owner_host, owner_started=row.owner_started, heartbeat_at=row.heartbeat_at,
                       cancel_requested_at=row.cancel_requested_at)


def live_status(status: str, *, heartbeat_at: datetime | None, owner_pid: int | None, owner_host: str | None,
                owner_started: int | None = None, now: datetime, host: str) -> str:
    """``interrupted`` for a run stored as ``running`` whose process is gone (a SIGKILL, a crash, a machine
    that went down say nothing).

    Where the owner's pid means something here (``owner_host == host``: this host *and* pid namespace), the
    pid decides: gone, a zombie, or alive but started at another time than the owner (a reused pid) is
    ``interrupted``; alive with the owner's start time is ``running`` even with a stale heartbeat — a
    suspended process (Ctrl-Z, a laptop asleep) is still alive and carries on when continued, and resuming
    the run meanwhile stores each sample once all the same. Elsewhere (another host or container), or
    without a start time to tell a reused pid, the heartbeat decides: older than ``STALE_AFTER_S`` is
    ``interrupted``.
    """
    if status != "running":
        return status
    if owner_pid is not None and owner_host == host:
        if not pid_alive(owner_pid):
            return "interrupted"
        started = process_started(owner_pid) if owner_started is not None else None
        if started is not None:
            return "running" if started == owner_started else "interrupted"
    if heartbeat_at is not None and (now - heartbeat_at).total_seconds() > STALE_AFTER_S:
        return "interrupted"
    return status


def this_host() -> str:
    """Where a pid names the same process as in this one: ``hostname/pidns:<inode>``. Containers that share
    the host's network share its hostname but not its pids, so the pid namespace (the inode of
    ``/proc/self/ns/pid``) is part of it where there is one; elsewhere (macOS, Windows) the hostname alone."""
    host = socket.gethostname()[:230]
    try:
        return f"{host}/pidns:{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return host


def process_started(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks after boot (field 22 of ``/proc/<pid>/stat``): with the
    pid it names one process, where the pid alone may be reused. ``None`` without ``/proc`` or such a pid."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])  # fields from the 3rd
    except (OSError, IndexError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a zombie, killed but not yet reaped, does not)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there: leave it to the heartbeat
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS): kill(0) is all we know
    return state not in ("Z", "X")


def _not_found(run_id: str) -> NotFoundError:
    return NotFoundError(f"evaluation run {run_id!r} not found", hint="`medchat runs list` shows the stored runs")
