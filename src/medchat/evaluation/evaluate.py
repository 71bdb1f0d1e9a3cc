"""``evaluate(plan)``: the whole run in one call — models, judge, tasks, a stored run, the runner.

``evaluate(resume="RUN")`` rebuilds everything from the stored plan and does only what is missing.
"""

from __future__ import annotations

from typing import Any

from medchat.config import Settings, get_settings
from medchat.errors import ConfigError
from medchat.evaluation.plan import EvalPlan, build_tasks
from medchat.evaluation.results import RunInfo
from medchat.evaluation.runner import Runner, RunProgress, count_planned
from medchat.evaluation.store import RunStore

DEFAULT_JUDGE = "builtin/smollm2"


def open_run_store(settings: Settings | None = None) -> RunStore:
    from medchat.storage import open_database

    return RunStore(open_database(settings or get_settings()))


async def evaluate(plan: EvalPlan | None = None, *, resume: str | None = None, settings: Settings | None = None,
                   progress: RunProgress | None = None, store: RunStore | None = None,
                   on_run: Any = None) -> RunInfo:
    """Run ``plan`` as a new stored run, or finish the stored run ``resume``; returns its final record.

    ``on_run(run)`` is called once the run is stored (before any answer), so a front end can show its id.
    """
    from medchat.gateway import get_model

    settings = settings or get_settings()
    store = store or open_run_store(settings)
    if resume is not None:
        run = store.get_run(resume)
        try:
            plan = EvalPlan.model_validate(run.config["plan"])
        except (KeyError, ValueError):
            raise ConfigError(f"run {run.id} has no usable plan stored", hint="start a new run") from None
    elif plan is None:
        raise ConfigError("nothing to evaluate", hint="give suites or files, or --resume RUN")
    if not plan.models:
        raise ConfigError("no model to evaluate", hint="give -m MODEL (e.g. -m builtin/smollm2)")
    plan = plan.model_copy(update={"judge": plan.judge or DEFAULT_JUDGE})
    model_settings = settings
    if plan.concurrency > settings.max_concurrency:  # the gateway's own limit would cap the runner's
        model_settings = settings.model_copy(update={"max_concurrency": plan.concurrency})
    models = [get_model(name, settings=model_settings) for name in dict.fromkeys(plan.models)]
    judge = get_model(plan.judge, settings=settings)
    try:
        tasks = build_tasks(plan, judge=judge)
        planned = count_planned(tasks, models, plan.epochs)
        if resume is None:
            run = store.create_run(tasks=[t.name for t in tasks], models=[m.name for m in models],
                                   config={"plan": plan.model_dump(mode="json")}, planned=planned)
        else:
            store.update_run(run.id, status="running", planned=planned)
            run = store.get_run(run.id)
        if on_run is not None:
            on_run(run)
        runner = Runner(store, concurrency=plan.concurrency, epochs=plan.epochs, seed=plan.seed,
                        budget_usd=plan.budget_usd, progress=progress or RunProgress())
        return await runner.run(run, tasks, models)
    finally:
        for model in {id(m): m for m in [*models, judge]}.values():
            await model.aclose()
