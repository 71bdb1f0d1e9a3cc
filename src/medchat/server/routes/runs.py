"""``/api/runs``: stored evaluation runs — list, detail with metric means, reports (HTML, JSON, CSV), progress as
server-sent events — and runs started, cancelled and deleted through the server (``jobs.py`` runs each in a
child process). Everything is read from the database, so any worker process answers for any run.

A run id may be a unique prefix or ``latest``, as in ``medchat runs show``.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from medchat.server.deps import authenticate, check_model_allowed, server_state
from medchat.server.errors import ApiError
from medchat.server.jobs import JobManager, datasets_dir, place_sources
from medchat.server.run_schemas import (
    Metric,
    RunDetail,
    RunEvent,
    RunList,
    RunSummary,
    StartRun,
    TaskModelMetrics,
)
from medchat.storage.db import NotFoundError

if TYPE_CHECKING:
    from medchat.evaluation.plan import EvalPlan
    from medchat.evaluation.results import RunInfo
    from medchat.evaluation.store import RunStore
    from medchat.server.draining import Draining
    from medchat.storage.keys import ApiKey

router = APIRouter(prefix="/api/runs")
P = ParamSpec("P")
T = TypeVar("T")

POLL_S = 0.5  # how often an event stream reads its run's progress from the database
KEEPALIVE_S = 15.0  # a comment line when nothing changed for this long, so proxies keep the stream open
REPORT_TYPES = {"html": "text/html; charset=utf-8", "json": "application/json", "csv": "text/csv; charset=utf-8"}


def jobs(request: Request) -> JobManager:
    manager: JobManager = request.app.state.run_jobs
    return manager


async def _read(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A store call on a worker thread; a run that does not exist is a 404 in OpenAI's error shape."""
    try:
        return await asyncio.to_thread(call, *args, **kwargs)
    except NotFoundError as exc:
        raise ApiError(404, str(exc), code="run_not_found", param="run_id") from None


async def _run(store: RunStore, run_id: str) -> RunInfo:
    return await _read(store.get_run, run_id)


@router.get("")
async def list_runs(request: Request, limit: int = Query(default=20, ge=1, le=500)) -> RunList:
    runs: list[RunInfo] = await asyncio.to_thread(jobs(request).store.list_runs, limit)
    return RunList(data=[RunSummary.of(info) for info in runs])


@router.post("", status_code=202)
async def start_run(body: StartRun, request: Request, response: Response,
                    key: ApiKey | None = Depends(authenticate)) -> RunSummary:
    manager = jobs(request)
    plan = await asyncio.to_thread(_plan, body, datasets_dir(manager.settings), key)  # it looks at files
    info = await manager.start(plan, key_name=key.name if key is not None else None)
    response.headers["location"] = f"/api/runs/{info.id}"
    return RunSummary.of(info)


def _plan(body: StartRun, folder: Path, key: ApiKey | None) -> EvalPlan:
    """The plan a request asks for, with its sources placed (``place_sources``), judge scoring decided as for
    ``medchat eval``'s default job when no judge is named, and every model it calls allowed for the key."""
    from medchat.evaluation.plan import DEFAULT_JUDGE, without_weak_judge

    for model in body.models:
        check_model_allowed(key, model)
        if model.startswith("replay/") and model != "replay/samples":
            raise ApiError(400, f"{model!r} would read a file on the server; through the API only replay/samples "
                                "(the answers the samples carry)", code="model_not_allowed", param="models")
    plan = body.plan(place_sources(body.sources, folder))
    if body.judge is None and body.scorers is None:
        plan = without_weak_judge(plan)
        if not plan.sources:
            reasons = "; ".join(f"{source}: {why}" for source, why in plan.left_out.items())
            raise ApiError(400, "nothing left to run: " + reasons.replace("add --judge MODEL", 'name a "judge"'),
                           param="judge")
    if plan.judge is None and plan.judge_scoring and not _may_use_judge(plan):
        plan = plan.model_copy(update={"judge_scoring": False})  # no judge built for scorers that need none
    judge = plan.judge or (DEFAULT_JUDGE if plan.judge_scoring else None)
    for model in dict.fromkeys([*plan.models, *([judge] if judge else [])]):
        check_model_allowed(key, model)
    return plan


def _may_use_judge(plan: EvalPlan) -> bool:
    """Whether a scorer of the plan may ask a judge (a data file's scorers are known only once it is loaded)."""
    from medchat.evaluation.plan import JUDGE_SCORERS
    from medchat.evaluation.suites import SUITES

    if plan.scorers is not None:
        names = set(plan.scorers)
    elif all(source in SUITES for source in plan.sources):
        names = {name for source in plan.sources for name in SUITES[source].scorers}
    else:
        return True
    return bool(names & JUDGE_SCORERS)


@router.get("/compare")
async def compare_runs(request: Request, a: str = Query(min_length=1, max_length=64),
                       b: str = Query(min_length=1, max_length=64)) -> Response:
    """Run A against run B on the samples both answered: the HTML page ``medchat report compare A B`` writes (the paired
    verdict per metric). Declared before ``/{run_id}``, which would take "compare" for a run id."""
    name, content = await _read(_comparison, jobs(request).store, a, b)
    return Response(content, media_type=REPORT_TYPES["html"],
                    headers={"content-disposition": f'attachment; filename="medchat-{name}.html"'})


def _comparison(store: RunStore, a: str, b: str) -> tuple[str, bytes]:
    from medchat.evaluation import report as reports

    run_a, run_b = store.get_run(a), store.get_run(b)
    with tempfile.TemporaryDirectory(prefix="medchat-report-") as folder:
        path = Path(folder) / "comparison.html"
        reports.write_comparison(run_a, store.results(run_a.id), run_b, store.results(run_b.id), path)
        return f"{run_a.id}-vs-{run_b.id}", path.read_bytes()


@router.get("/{run_id}")
async def run_detail(run_id: str, request: Request) -> RunDetail:
    return await _read(_detail, jobs(request).store, run_id)


def _detail(store: RunStore, run_id: str) -> RunDetail:
    """What ``medchat runs show`` prints (on a worker thread: the bootstrap is CPU work)."""
    from medchat.evaluation.stats import fallback_counts, metric_summaries

    info = store.get_run(run_id)
    stored = store.results(info.id)
    summaries = metric_summaries(stored)
    plan = dict(info.config.get("plan") or {})
    results = [TaskModelMetrics(task=task, model=model, metrics={name: Metric.of(s) for name, s in metrics.items()})
               for (task, model), metrics in summaries.items()]
    return RunDetail(**RunSummary.of(info).model_dump(), plan=plan, left_out=plan.get("left_out") or {},
                     results=results, fallbacks=fallback_counts(stored))


@router.get("/{run_id}/report")
async def run_report(run_id: str, request: Request,
                     format: Literal["html", "json", "csv"] = Query(default="html")) -> Response:
    name, content = await _read(_report, jobs(request).store, run_id, format)
    return Response(content, media_type=REPORT_TYPES[format],
                    headers={"content-disposition": f'attachment; filename="medchat-{name}.{format}"'})


def _report(store: RunStore, run_id: str, fmt: str) -> tuple[str, bytes]:
    """The file ``medchat report RUN --format FMT`` writes, written by the same functions (on a worker thread)."""
    from medchat.evaluation import report as reports
    from medchat.evaluation.judges.trust import StoredCalibrations, reporting_agreement

    info = store.get_run(run_id)
    results = store.results(info.id)
    with tempfile.TemporaryDirectory(prefix="medchat-report-") as folder, \
            reporting_agreement(StoredCalibrations(database=store.database)):
        path = Path(folder) / f"{info.id}.{fmt}"
        if fmt == "csv":
            reports.export_csv(results, path)
        else:
            (reports.write_report if fmt == "html" else reports.export_json)(info, results, path)
        return info.id, path.read_bytes()


@router.get("/{run_id}/events")
async def run_events(run_id: str, request: Request) -> StreamingResponse:
    """``data: {RunEvent}`` at the start and on every change of status or counts; the last one is ``final``
    (the run is no longer running). Ends then, or when the client leaves."""
    manager = jobs(request)
    first = await _run(manager.store, run_id)
    return StreamingResponse(_events(manager, first, request, server_state(request).draining),
                             media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})


async def _events(manager: JobManager, info: RunInfo, request: Request, draining: Draining
                  ) -> AsyncIterator[bytes]:
    """Ends at the final event, when the client leaves, or when the server stops. uvicorn waits for open
    responses before the lifespan's exit, where the runs would be stopped, and a stream lasts as long as its
    run: so a stream that sees the server draining stops this process's runs at once (each then gets its final
    ``interrupted`` event) and ends following any other."""
    store = manager.store
    loop = asyncio.get_running_loop()
    last: RunEvent | None = None
    quiet_since = loop.time()
    while True:
        event = RunEvent.of(info)
        if event != last:
            yield b"data: " + event.model_dump_json().encode() + b"\n\n"
            last, quiet_since = event, loop.time()
        elif loop.time() - quiet_since >= KEEPALIVE_S:
            yield b": keep-alive\n\n"
            quiet_since = loop.time()
        if draining.deadline is not None:
            manager.begin_close()
        if event.final or await request.is_disconnected() or (manager.closing and info.id not in manager.jobs):
            return
        await asyncio.sleep(POLL_S)
        try:
            info = await asyncio.to_thread(store.get_run, info.id)
        except NotFoundError as exc:  # deleted meanwhile
            yield ApiError(404, str(exc), code="run_not_found").sse_event()
            return


@router.post("/{run_id}/cancel")
async def cancel_run(run_id: str, request: Request, response: Response) -> RunSummary:
    """Stop a running run; it ends ``interrupted`` and ``medchat eval --resume RUN`` finishes it. Any replica
    answers: a run another host works on is asked through the database and stops after the sample in hand —
    then the answer is 202, the run still ``running`` with ``cancel_requested_at`` set (follow ``events``)."""
    manager = jobs(request)
    await _run(manager.store, run_id)  # 404 first
    info = await manager.cancel(run_id)
    if info.status == "running":
        response.status_code = 202
    return RunSummary.of(info)


@router.delete("/{run_id}")
async def delete_run(run_id: str, request: Request) -> dict[str, object]:
    store = jobs(request).store
    info = await _run(store, run_id)
    if info.status == "running":
        raise ApiError(409, f"run {info.id} is running: cancel it first (POST /api/runs/{info.id}/cancel)",
                       code="run_running")
    await _read(store.delete_run, info.id)
    return {"id": info.id, "object": "eval.run", "deleted": True}
