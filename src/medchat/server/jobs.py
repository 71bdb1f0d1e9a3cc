"""Evaluation runs started through the server (``POST /api/runs``), each in a child process of its own.

Why a child process and not a thread with its own event loop:

- the CPU: scorers (embedding similarity, ROUGE/chrF, the bootstrap), local generation and dataset loading hold
  the GIL for long stretches; on a thread of the server's process they would slow every ``/v1`` request of this
  worker, in a process of its own they cannot;
- stopping: cancelling is a signal. The child turns SIGTERM (and SIGINT) into cancelling its run, and the runner
  stores it ``interrupted`` — as Ctrl-C does for ``medchat eval`` — so ``medchat eval --resume RUN`` finishes it;
  a child that does not stop in ``STOP_TIMEOUT_S`` is killed and its run marked ``interrupted`` here;
- what a run loads (a local model's weights, a dataset) is freed when it ends, and a crash ends the run, not the
  server; the run names the child as its owner (pid, start time, heartbeat: ``evaluation.store``), so every
  worker process reads a run whose child died as ``interrupted``.

The cost is the child's start: it imports medchat and builds its own models (~1–2 s; a local model's weights
are loaded once more than the server's ``ModelCache`` holds).

The conversation with the child (``job_process.py``) is one JSON line each way: the server writes the plan, its
settings and the run's origin to the child's stdin and keeps it open; the child answers ``{"run": ID}`` on
stdout as soon as the run is stored (or ``{"error": ..., "kind": ...}`` when it could not start it), then
works. When its stdin closes — the server is gone, even killed with SIGKILL — the child stops its run as it would
on SIGTERM, so no run goes on with nobody to cancel it. Progress is read from the database, not from the
child, so any worker process can follow and cancel any run a server started: on the same host with a signal to
its child, from another host (a replica behind a load balancer, on one PostgreSQL) by recording the cancel on the
run (``RunStore.request_cancel``), which the child's runner reads between samples.

A source is a bundled suite name or a file (or folder) inside the server's datasets folder,
``<data_dir>/datasets``, named relative to it; nothing else on the server can be read through a plan.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from medchat import errors as medchat_errors
from medchat.config import Settings
from medchat.server.errors import ApiError, from_medchat

if TYPE_CHECKING:
    from medchat.evaluation.plan import EvalPlan
    from medchat.evaluation.results import RunInfo
    from medchat.evaluation.store import RunStore

log = logging.getLogger("medchat.server.jobs")

ORIGIN = "medchat serve"  # config["origin"]["via"] of a run a server started
START_TIMEOUT_S = 120.0  # from spawning the child to its run stored (datasets loaded, models built)
STOP_TIMEOUT_S = 15.0  # from SIGTERM to the child's exit; then it is killed
MAX_RUNNING = 4  # runs at once per server process (each a process of its own, with its own models)
_STDERR_LINES = 20  # kept for the error when a child ends before its run is stored


def datasets_dir(settings: Settings) -> Path:
    """Where the files a plan may name live on the server: ``<data_dir>/datasets``."""
    return settings.data_dir.expanduser().absolute() / "datasets"


def place_sources(sources: list[str], folder: Path) -> list[str]:
    """Each source as the child will load it: a bundled suite's name, or the absolute path of a file or folder
    inside ``folder``. Absolute paths, ``..``, and links leading out of the folder are refused (400)."""
    from medchat.evaluation.suites import SUITES

    placed: list[str] = []
    for source in sources:
        if source in SUITES:
            placed.append(source)
            continue
        unsafe = (not source.strip() or "\0" in source or "\\" in source or source.startswith("~")
                  or PurePosixPath(source).is_absolute() or PureWindowsPath(source).is_absolute()
                  or PureWindowsPath(source).drive or ".." in PurePosixPath(source).parts)
        if unsafe:
            raise ApiError(400, f"source {source!r} is refused: a source is a bundled suite ({', '.join(SUITES)}) "
                                "or a path relative to the server's datasets folder, without '..'",
                           code="invalid_source", param="sources")
        root = folder.resolve()
        path = (root / source).resolve()
        if not path.is_relative_to(root) or path == root or not path.exists():
            raise ApiError(400, f"no bundled suite and no dataset named {source!r} in the server's datasets "
                                f"folder (bundled suites: {', '.join(SUITES)})", code="invalid_source",
                           param="sources")
        placed.append(str(path))
    return placed


@dataclass
class Job:
    run_id: str
    process: asyncio.subprocess.Process
    stderr: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=_STDERR_LINES))
    ended: asyncio.Task[None] | None = None  # drains the child's pipes, waits for its exit


class JobManager:
    """The evaluation runs this server process started, by run id; stopped when the app shuts down."""

    def __init__(self, settings: Settings, store: RunStore) -> None:
        self.settings = settings
        self.store = store
        self.jobs: dict[str, Job] = {}
        self._closing = False
        self._starting = 0  # children spawned whose run is not stored yet
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, plan: EvalPlan, *, key_name: str | None) -> RunInfo:
        """Spawn the child for ``plan``; return the run once it is stored (before any answer)."""
        if self._closing:
            raise ApiError(503, "the server is shutting down; start the run again later", type="server_error",
                           code="shutting_down")
        if len(self.jobs) + self._starting >= MAX_RUNNING:
            raise ApiError(429, f"{MAX_RUNNING} runs are already in progress here; wait for one to end or cancel one",
                           type="rate_limit_error", code="too_many_runs")
        self._starting += 1
        try:
            return await self._start(plan, key_name)
        finally:
            self._starting -= 1

    async def _start(self, plan: EvalPlan, key_name: str | None) -> RunInfo:
        request = {"plan": plan.model_dump(mode="json"), "settings": self.settings.model_dump(mode="json"),
                   "origin": {"via": ORIGIN, "key": key_name}}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "medchat.server.job_process", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)  # a Ctrl-C at the server's terminal reaches the server, which stops its jobs
        job = Job("", process)
        stderr = self._spawn(self._drain_stderr(job))
        try:
            assert process.stdin is not None
            assert process.stdout is not None
            process.stdin.write(json.dumps(request).encode() + b"\n")
            await process.stdin.drain()
            line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT_S)
        except BaseException as exc:  # a timeout, a client gone: stop the child (in the background when cancelled)
            self._spawn(self._terminate(process))
            if isinstance(exc, TimeoutError):
                raise ApiError(504, f"the run was not stored within {START_TIMEOUT_S:.0f} s of starting; nothing "
                                    "runs", type="server_error", code="run_not_started") from None
            raise
        answer = _parse(line)
        if "run" not in answer:
            await process.wait()
            await stderr
            raise _start_error(answer, job)
        job.run_id = str(answer["run"])
        self.jobs[job.run_id] = job
        job.ended = self._spawn(self._follow(job, stderr))
        if self._closing:  # the server began stopping while this run started
            self._spawn(self._stop(job))
        return await asyncio.to_thread(self.store.get_run, job.run_id)

    async def cancel(self, run_id: str) -> RunInfo:
        """Stop a running run (it ends ``interrupted``, resumable). A run of this process, or of a sibling worker
        on this host, is stopped with a signal and returned stopped; one a server on another host works on is
        asked through the database (``RunStore.request_cancel``) and returned at once, still ``running`` with
        ``cancel_requested_at`` set: its process stops after the sample in hand. 409 when it is not running or
        not a server's (``medchat eval``: stop it with Ctrl-C)."""
        info = await asyncio.to_thread(self.store.get_run, run_id)
        if info.status != "running":
            raise not_running(info, "cancelled")
        job = self.jobs.get(info.id)
        if job is not None:
            await self._stop(job)
        elif (pid := self._sibling(info)) is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            await self._until_stopped(info.id)
        elif _server_run(info):
            if not await asyncio.to_thread(self.store.request_cancel, info.id):  # it ended meanwhile
                info = await asyncio.to_thread(self.store.get_run, info.id)
                if info.status != "running":
                    raise not_running(info, "cancelled")
        else:
            raise ApiError(409, f"run {info.id} is worked on by another process (`medchat eval`): stop it there "
                                f"(Ctrl-C), then resume it with `medchat eval --resume {info.id}`",
                           code="run_not_cancellable")
        return await asyncio.to_thread(self.store.get_run, info.id)

    @property
    def closing(self) -> bool:
        return self._closing

    async def aclose(self) -> None:
        """Stop every run of this process (each ends ``interrupted``); no new run starts from now on."""
        self._closing = True
        await asyncio.gather(*(self._stop(job) for job in list(self.jobs.values())), return_exceptions=True)
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    def begin_close(self) -> None:
        """Start stopping this process's runs now (the server is stopping), without waiting for them."""
        if not self._closing:
            self._closing = True
            for job in list(self.jobs.values()):
                self._spawn(self._stop(job))

    # -- the child's life ------------------------------------------------------------------------
    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _drain_stderr(self, job: Job) -> None:
        assert job.process.stderr is not None
        async for raw in job.process.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                job.stderr.append(line)
                log.info("run %s: %s", job.run_id or "(starting)", line)

    async def _follow(self, job: Job, stderr: asyncio.Task[None]) -> None:
        try:
            assert job.process.stdout is not None
            await job.process.stdout.read()  # nothing more is expected; EOF when the child ends
            await job.process.wait()
            await stderr
            if job.process.returncode:
                log.info("run %s: its process ended with status %s", job.run_id, job.process.returncode)
        finally:
            self.jobs.pop(job.run_id, None)

    async def _stop(self, job: Job) -> None:
        """SIGTERM, then the child's exit; killed after ``STOP_TIMEOUT_S`` and its run marked here."""
        assert job.ended is not None
        if job.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                job.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(job.ended), STOP_TIMEOUT_S)
        except TimeoutError:
            log.warning("run %s: its process did not stop in %.0f s; killed", job.run_id, STOP_TIMEOUT_S)
            with contextlib.suppress(ProcessLookupError):
                job.process.kill()
            await job.ended
            await asyncio.to_thread(self._mark_interrupted, job.run_id)

    async def _terminate(self, process: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    def _mark_interrupted(self, run_id: str) -> None:
        if self.store.get_run(run_id).status in ("running", "interrupted"):  # stored "running", its owner dead
            self.store.update_run(run_id, status="interrupted")

    def _sibling(self, info: RunInfo) -> int | None:
        """The pid of the child working on ``info`` for another worker process of a server on this host (the
        same pid namespace, and the pid's start time matches the run's owner: not a reused pid)."""
        from medchat.evaluation.store import process_started

        pid = info.owner_pid
        if (not _server_run(info) or pid is None or pid == os.getpid()
                or info.owner_host != self.store.host or info.owner_started is None
                or process_started(pid) != info.owner_started):
            return None
        return pid

    async def _until_stopped(self, run_id: str) -> None:
        """Wait (bounded) until another worker's child has stored its run as stopped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_TIMEOUT_S
        while loop.time() < deadline:
            if (await asyncio.to_thread(self.store.get_run, run_id)).status != "running":
                return
            await asyncio.sleep(0.2)


def _server_run(info: RunInfo) -> bool:
    """Whether a server started the run (``POST /api/runs``), on any host: its child stops on a signal or on a
    cancel recorded in the database."""
    origin = info.config.get("origin") or {}
    return isinstance(origin, dict) and origin.get("via") == ORIGIN


def not_running(info: RunInfo, verb: str) -> ApiError:
    return ApiError(409, f"run {info.id} is {info.status}, not running: only a running run can be {verb}",
                    code="run_not_running")


def _parse(line: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(line) if line.strip() else {}
    except ValueError:
        answer = {}
    return answer if isinstance(answer, dict) else {}


def _start_error(answer: dict[str, Any], job: Job) -> ApiError:
    """What kept the child from storing its run: a ``MedchatError`` it named (an unknown model, scorer or file
    format: mapped as the routes map them), or its end with the last lines it wrote."""
    message, kind = answer.get("error"), answer.get("kind")
    cls = getattr(medchat_errors, str(kind), None)
    if isinstance(message, str) and isinstance(cls, type) and issubclass(cls, medchat_errors.ConfigError):
        return from_medchat(cls(message))
    detail = message if isinstance(message, str) else (job.stderr[-1] if job.stderr else "no output")
    return ApiError(500, f"the run could not start: {detail}", type="server_error", code="run_not_started")
