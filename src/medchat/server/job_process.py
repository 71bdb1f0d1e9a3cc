"""The child process of one evaluation run started by the server (``jobs.py``): ``python -m
medchat.server.job_process``.

Reads one JSON line from stdin — ``{"plan": EvalPlan, "settings": Settings, "origin": {...}}`` — and runs
``evaluate(plan)`` as ``medchat eval`` does. Once the run is stored it writes ``{"run": ID}`` on stdout; if the run
cannot start, ``{"error": MESSAGE, "kind": ERROR CLASS}``. SIGTERM, SIGINT or the end of stdin (the server is
gone) cancel the run: the runner stores it ``interrupted``, and ``medchat eval --resume ID`` finishes it. So does
a cancel recorded in the database by any server replica (``RunStore.request_cancel``), which the runner reads
between samples (``RunCancelled``).
Imports neither FastAPI nor the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
from typing import Any

INTERRUPTED = 130  # exit status of a cancelled run, as for Ctrl-C


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _cancel_on_eof(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
    """Block on stdin until it closes (the server ended, however it ended), then cancel the run."""
    try:
        while os.read(0, 65536):  # unbuffered: a daemon thread holding stdin's buffer lock would stall the exit
            pass
        loop.call_soon_threadsafe(task.cancel)
    except (OSError, RuntimeError):  # the loop is already closed: the run is over
        pass


async def run(request: dict[str, Any]) -> int:
    from medchat.config import Settings
    from medchat.errors import MedchatError
    from medchat.evaluation.evaluate import evaluate, open_run_store
    from medchat.evaluation.plan import EvalPlan
    from medchat.evaluation.results import RunInfo
    from medchat.evaluation.runner import RunCancelled

    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: the server's terminate() ends it
            loop.add_signal_handler(signum, task.cancel)
    threading.Thread(target=_cancel_on_eof, args=(loop, task), daemon=True, name="stdin-watch").start()

    started: list[str] = []
    try:
        settings = Settings.model_validate(request["settings"])
        plan = EvalPlan.model_validate(request["plan"])
        origin = request.get("origin") or {}
        store = open_run_store(settings)

        def on_run(info: RunInfo) -> None:
            store.update_run(info.id, config={**info.config, "origin": origin})
            started.append(info.id)
            _say({"run": info.id})

        info = await evaluate(plan, settings=settings, store=store, on_run=on_run)
    except RunCancelled:  # asked through the database, by a server on any host: as a signal would
        return INTERRUPTED
    except asyncio.CancelledError:
        if not started:
            _say({"error": "cancelled before the run was stored", "kind": "Cancelled"})
        return INTERRUPTED
    except MedchatError as exc:
        if not started:
            _say({"error": str(exc), "kind": type(exc).__name__})
        else:
            logging.getLogger("medchat.server.jobs").error("run %s: %s", started[0], exc)
        return 1
    except Exception as exc:
        if not started:
            _say({"error": " ".join(f"{type(exc).__name__}: {exc}".split()), "kind": type(exc).__name__})
        raise
    return 0 if info.status == "completed" else 2


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    data = b""
    while not data.endswith(b"\n") and (chunk := os.read(0, 65536)):  # the server writes one line, then waits
        data += chunk
    try:
        request = json.loads(data)
    except ValueError:
        _say({"error": "the job's request is not JSON", "kind": "ValueError"})
        return 1
    return asyncio.run(run(request))


if __name__ == "__main__":
    sys.exit(main())
