"""A cancel recorded in the database (``RunStore.request_cancel``: a server replica on any host) stops the process
working on the run between samples — or at its next heartbeat when a sample takes long — as a local cancel does:
the run is stored ``interrupted`` with what it answered, and running it again clears the request."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from medchat.evaluation.runner import RunCancelled, Runner
from medchat.evaluation.store import RunStore
from medchat.storage.db import Database
from medchat.types import ChatRequest
from tests.unit.evaluation.test_runner import Echo, start, task


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    database = Database(f"sqlite:///{tmp_path / 'runs.db'}")
    database.migrate()
    return RunStore(database)


def test_a_cancel_is_recorded_for_a_running_run_only_and_cleared_when_it_runs_again(store: RunStore) -> None:
    run = store.create_run(tasks=["qa"], models=["test/echo"], config={}, planned=1)
    assert not store.cancel_requested(run.id) and store.get_run(run.id).cancel_requested_at is None
    assert store.request_cancel(run.id) is True
    first = store.get_run(run.id).cancel_requested_at
    assert store.cancel_requested(run.id) and first is not None
    assert store.request_cancel(run.id) is True and store.get_run(run.id).cancel_requested_at == first  # kept

    store.update_run(run.id, status="interrupted")
    store.update_run(run.id, status="running")  # resumed
    assert not store.cancel_requested(run.id)
    store.update_run(run.id, status="completed")
    assert store.request_cancel(run.id) is False and not store.cancel_requested(run.id)


async def test_a_recorded_cancel_stops_the_run_between_samples(store: RunStore) -> None:
    tasks = [task(4)]
    run_id: list[str] = []

    class CancelledAfterTheFirst(Echo):
        async def _stream(self, request: ChatRequest):  # type: ignore[override]
            async for chunk in super()._stream(request):
                yield chunk
            store.request_cancel(run_id[0])  # as another replica would, while this sample is in hand

    model = CancelledAfterTheFirst()
    run = start(store, tasks, [model])
    run_id.append(run.id)
    with pytest.raises(RunCancelled, match=f"medchat eval --resume {run.id}"):
        await Runner(store, concurrency=1).run(run, tasks, [model])
    info = store.get_run(run.id)
    assert info.status == "interrupted" and info.done == 1  # the sample in hand was kept; no other started
    assert len(model.calls) == 1

    store.update_run(run.id, status="running")  # resumed, as ``evaluate`` does: the request is done with
    resumed = await Runner(store, concurrency=1).run(store.get_run(run.id), tasks, [Echo()])
    assert resumed.status == "completed" and resumed.done == 4 and resumed.cancel_requested_at is None


async def test_a_sample_that_takes_long_is_stopped_at_the_next_heartbeat(store: RunStore) -> None:
    beats = 0
    asked = asyncio.Event()

    async def sleep(seconds: float) -> None:
        nonlocal beats
        beats += 1
        if beats > 1:  # the first beat found no cancel; the next one comes once the sample is in hand
            await asyncio.Event().wait()
        await asked.wait()

    class Hangs(Echo):
        async def _stream(self, request: ChatRequest):  # type: ignore[override]
            store.request_cancel(run.id)
            asked.set()
            await asyncio.Event().wait()
            yield  # pragma: no cover - never reached

    tasks, model = [task(2)], Hangs()
    run = start(store, tasks, [model])
    with pytest.raises(RunCancelled):
        await Runner(store, concurrency=1, heartbeat_s=5.0, sleep=sleep).run(run, tasks, [model])
    info = store.get_run(run.id)
    assert info.status == "interrupted" and info.done == 0


async def test_a_cancel_from_outside_is_still_a_cancellation(store: RunStore) -> None:
    asked = asyncio.Event()

    class Hangs(Echo):
        async def _stream(self, request: ChatRequest):  # type: ignore[override]
            asked.set()
            await asyncio.Event().wait()
            yield  # pragma: no cover - never reached

    tasks, model = [task(2)], Hangs()
    run = start(store, tasks, [model])
    running = asyncio.create_task(Runner(store, concurrency=1).run(run, tasks, [model]))
    await asked.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert store.get_run(run.id).status == "interrupted"
