"""Runs tasks against models: async, bounded concurrency per model, every result stored as it completes.

    for each model: `concurrency` workers take (task, sample, epoch) items not yet stored
        ─► solver (the model is already wrapped in retries/timeouts by the gateway)
        ─► scorers (concurrently) ─► SampleResult ─► store.add_result (one transaction)

A failed answer becomes a result with ``error`` set (counted, never retried forever); a scorer that
raises gives ``Score(None)`` with the reason. The cost budget is checked before each new item: once the
answers so far cost more, no new item starts and the run ends ``over_budget`` (resume it with a larger
budget). Resuming skips every key already answered and asks the errored ones again (their new result
replaces the error), so nothing is lost and nothing is stored twice; ``only=`` limits a run to some keys
(``--retry-errors``: the errored ones), and a run that leaves samples of its plan never asked ends
``incomplete``. While it works, the runner renews the run's heartbeat, so a run whose process died reads
as interrupted. A cancel asked through the database (``RunStore.request_cancel``: a server replica on any host)
is read after each stored sample and with each heartbeat; the run then stops as for Ctrl-C — stored
``interrupted``, resumable — and ``run`` raises ``RunCancelled``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from medchat.errors import MedchatError
from medchat.evaluation.output import Output
from medchat.evaluation.results import RunInfo, RunStatus, SampleResult
from medchat.evaluation.sample import Sample
from medchat.evaluation.score import NamedScorer, Score
from medchat.evaluation.solvers import get_solver
from medchat.evaluation.store import HEARTBEAT_S, ResultKey, RunStore
from medchat.evaluation.task import Task
from medchat.models.base import ChatModel

log = logging.getLogger("medchat.evaluation")


class RunCancelled(MedchatError):
    """The run was cancelled through the database (a server's ``POST /api/runs/{id}/cancel``, on any replica); it
    is stored ``interrupted`` and ``medchat eval --resume RUN`` finishes it."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} was cancelled through the server",
                         hint=f"finish it with: medchat eval --resume {run_id}")
        self.run_id = run_id


@dataclass
class WorkItem:
    task: Task
    sample: Sample
    epoch: int


@dataclass
class RunProgress:
    """Callbacks a front end (rich progress bar, server) hooks into; all optional."""

    on_start: Callable[[str, int], None] = lambda model, total: None
    on_result: Callable[[SampleResult], None] = lambda result: None
    on_notice: Callable[[str], None] = lambda message: None  # a warning before the run: skipped records, loader notes


@dataclass
class Runner:
    store: RunStore
    concurrency: int = 4
    epochs: int = 1
    seed: int | None = None
    budget_usd: float | None = None
    progress: RunProgress = field(default_factory=RunProgress)
    heartbeat_s: float = HEARTBEAT_S
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep  # between heartbeats (tests pass their own)
    spent_usd: float = field(default=0.0, init=False)
    over_budget: bool = field(default=False, init=False)
    _run_id: str = field(default="", init=False)
    _pools: asyncio.Future[Any] | None = field(default=None, init=False)
    cancelled: bool = field(default=False, init=False)  # a cancel asked through the database was seen

    def plan(self, tasks: list[Task], models: list[ChatModel], done: set[tuple[str, str, str, int]]
             ) -> dict[str, list[WorkItem]]:
        """The items still to do, per model name, in a stable order (task, sample, epoch)."""
        work: dict[str, list[WorkItem]] = {}
        for model in models:
            items = work.setdefault(model.name, [])
            for task in tasks:
                for sample in task.dataset:
                    for epoch in range(self.epochs):
                        if (task.name, model.name, sample.id, epoch) not in done:
                            items.append(WorkItem(task, sample, epoch))
        return work

    async def run(self, run: RunInfo, tasks: list[Task], models: list[ChatModel], *,
                  only: set[ResultKey] | None = None) -> RunInfo:
        """Do everything of ``run`` not yet answered (errors included), or of that only the keys in ``only``;
        returns the run's record with its final status."""
        self._run_id = run.id
        done = self.store.done_keys(run.id)
        work = self.plan(tasks, models, done)
        if only is not None:
            work = {name: [i for i in items if _key(i, name) in only] for name, items in work.items()}
        self.spent_usd = run.cost_usd
        status: RunStatus = "completed"
        heartbeat = asyncio.create_task(self._heartbeat(run.id))
        self._pools = asyncio.gather(*(self._model_pool(model, work[model.name]) for model in models))
        try:
            try:
                await self._pools
            except asyncio.CancelledError:
                if not self.cancelled or _cancelling():
                    raise
                raise RunCancelled(run.id) from None  # stopped for the database's request, not from outside
            if self.over_budget:
                status = "over_budget"
            elif only is not None and self._missing(run.id, tasks, models):
                status = "incomplete"  # done what it was asked, but never-asked samples remain: ``--resume``
        except (KeyboardInterrupt, asyncio.CancelledError, RunCancelled):
            self.store.update_run(run.id, status="interrupted")
            raise
        except BaseException:
            self.store.update_run(run.id, status="failed")
            raise
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        self.store.update_run(run.id, status=status)
        return self.store.get_run(run.id)

    def _missing(self, run_id: str, tasks: list[Task], models: list[ChatModel]) -> bool:
        stored = self.store.done_keys(run_id) | self.store.error_keys(run_id)
        return any(self.plan(tasks, models, stored).values())

    async def _heartbeat(self, run_id: str) -> None:
        while True:
            await self.sleep(self.heartbeat_s)
            try:
                await asyncio.to_thread(self.store.heartbeat, run_id)
                if await asyncio.to_thread(self.store.cancel_requested, run_id):  # a sample may take long
                    self._cancel()
            except Exception as exc:  # a busy database must not end the run; the next beat may get through
                log.warning("run %s: heartbeat not stored: %s", run_id, exc)

    def _cancel(self) -> None:
        """Stop every worker: the run ends ``interrupted`` (``RunCancelled``), as for a local cancel."""
        if not self.cancelled:
            log.warning("run %s: cancelled through the database; stopping", self._run_id)
        self.cancelled = True
        if self._pools is not None:
            self._pools.cancel()

    def _store(self, result: SampleResult) -> bool:
        """Store ``result`` (on a worker thread); whether a cancel has been asked for the run meanwhile."""
        self.store.add_result(result)
        return self.store.cancel_requested(self._run_id)

    async def _model_pool(self, model: ChatModel, items: list[WorkItem]) -> None:
        self.progress.on_start(model.name, len(items))
        queue: asyncio.Queue[WorkItem] = asyncio.Queue()
        for item in items:
            queue.put_nowait(item)

        async def worker() -> None:
            while not queue.empty():
                item = queue.get_nowait()
                if self.budget_usd is not None and self.spent_usd >= self.budget_usd:
                    self.over_budget = True
                    return
                result = await self._one(model, item)
                if result.output is not None and result.output.cost_usd:
                    self.spent_usd += result.output.cost_usd
                cancel = await asyncio.to_thread(self._store, result)
                self.progress.on_result(result)
                if cancel:  # between samples: no new one starts, those in flight stop
                    self._cancel()
                    return

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(items)) or 1)))

    async def _one(self, model: ChatModel, item: WorkItem) -> SampleResult:
        task, sample = item.task, item.sample
        base = {"run_id": self._run_id, "task": task.name, "model": model.name, "sample_id": sample.id,
                "epoch": item.epoch, "input": sample.input, "target": sample.target, "tags": sample.tags}
        params = task.params
        if self.seed is not None:
            params = params.model_copy(update={"seed": self.seed + item.epoch})
        try:
            output = await get_solver(task.solver)(model, sample, params)
        except MedchatError as exc:
            return SampleResult(**base, error=str(exc), error_retryable=exc.retryable)
        except Exception as exc:  # a provider bug must not end the whole run
            return SampleResult(**base, error=" ".join(f"{type(exc).__name__}: {exc}".split()), error_retryable=False)
        scores = await asyncio.gather(*(_score(scorer, sample, output) for scorer in task.scorers))
        return SampleResult(**base, output=output,
                            scores={scorer.name: score for scorer, score in zip(task.scorers, scores, strict=True)})


def _cancelling() -> bool:
    """Whether the current task itself is being cancelled (from outside: Ctrl-C, SIGTERM, a caller gone)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _key(item: WorkItem, model: str) -> ResultKey:
    return (item.task.name, model, item.sample.id, item.epoch)


async def _score(scorer: NamedScorer, sample: Sample, output: Output) -> Score:
    try:
        return await scorer(sample, output)
    except Exception as exc:  # one broken scorer must not lose the answer or the other scores
        return Score(value=None, explanation=f"scorer failed: {type(exc).__name__}: {exc}",
                     metadata={"error": True})


def count_planned(tasks: list[Task], models: list[Any], epochs: int) -> int:
    return sum(len(t.dataset) for t in tasks) * len(models) * epochs
