"""``evaluate(plan)``: the whole run in one call — models, judge, tasks, a stored run, the runner.

``evaluate(resume="RUN")`` rebuilds everything from the stored plan and does only what is missing.
"""

from __future__ import annotations

from typing import Any

from medchat.config import Settings, get_settings
from medchat.errors import ConfigError
from medchat.evaluation.judges.jury import Jury
from medchat.evaluation.plan import DEFAULT_JUDGE, EvalPlan, build_tasks
from medchat.evaluation.results import RunInfo
from medchat.evaluation.runner import Runner, RunProgress, count_planned
from medchat.evaluation.store import RunStore


def open_run_store(settings: Settings | None = None) -> RunStore:
    from medchat.storage import open_database

    return RunStore(open_database(settings or get_settings()))


async def evaluate(plan: EvalPlan | None = None, *, resume: str | None = None, settings: Settings | None = None,
                   progress: RunProgress | None = None, store: RunStore | None = None,
                   on_run: Any = None, retry_errors: bool = False, changes: dict[str, Any] | None = None) -> RunInfo:
    """Run ``plan`` as a new stored run, or finish the stored run ``resume`` (missing and errored samples);
    with ``retry_errors``, ask only the errored samples of ``resume`` again. Returns the run's final record.
    ``changes`` updates the stored plan of ``resume`` (only ``concurrency`` and ``budget_usd``: what this
    process does, not what the run asks) and is stored with it.

    ``on_run(run)`` is called once the run is stored (before any answer), so a front end can show its id.
    """
    from medchat.gateway import get_model

    settings = settings or get_settings()
    store = store or open_run_store(settings)
    if retry_errors and resume is None:
        raise ConfigError("retrying errors needs a stored run", hint="medchat eval --retry-errors RUN")
    if resume is not None:
        run = store.get_run(resume)
        if set(changes or {}) - {"concurrency", "budget_usd"}:
            raise ConfigError(f"a stored run keeps its plan; only concurrency and budget_usd change, not {changes}")
        try:
            plan = EvalPlan.model_validate(run.config["plan"]).model_copy(update=changes or {})
        except (KeyError, ValueError):
            raise ConfigError(f"run {run.id} has no usable plan stored", hint="start a new run") from None
    elif plan is None:
        raise ConfigError("nothing to evaluate", hint="give suites or files, or --resume RUN")
    if not plan.models:
        raise ConfigError("no model to evaluate", hint="give -m MODEL (e.g. -m builtin/smollm2)")
    if plan.judge_scoring:
        plan = plan.model_copy(update={"judge": plan.judge or DEFAULT_JUDGE})
    model_settings = settings
    if plan.concurrency > settings.max_concurrency:  # the gateway's own limit would cap the runner's
        model_settings = settings.model_copy(update={"max_concurrency": plan.concurrency})
    from medchat.safety.cache_hooks import hooks_for  # a semantic cache's embedder and triage, as the CLI's
    from medchat.storage.gateway_stores import gateway_stores  # its shared backends, and the limits' Redis state

    stores = gateway_stores()
    models = [get_model(name, settings=model_settings, cache_hooks=hooks_for(name, model_settings), stores=stores)
              for name in dict.fromkeys(plan.models)]
    judges = [get_model(name, settings=settings, cache_hooks=hooks_for(name, settings), stores=stores)
              for name in plan.jury()] if plan.judge_scoring else []
    judge: Any = judges[0] if len(judges) == 1 else Jury(judges) if judges else None
    progress = progress or RunProgress()
    try:
        tasks = build_tasks(plan, judge=judge, on_notice=progress.on_notice)
        planned = count_planned(tasks, models, plan.epochs)
        # what loading each file skipped or decided, for the report: a resumed run's tasks are loaded again,
        # and this load, the one its remaining samples come from, replaces the stored one (never added to it)
        loading = {t.name: t.loading.model_dump(mode="json") for t in tasks if t.loading is not None}
        if resume is None:
            config: dict[str, Any] = {"plan": plan.model_dump(mode="json")}
            if loading:
                config["loading"] = loading
            run = store.create_run(tasks=[t.name for t in tasks], models=[m.name for m in models],
                                   config=config, planned=planned)
        else:
            kept = {key: value for key, value in run.config.items() if key != "loading"}
            if changes:
                kept["plan"] = {**kept["plan"], **changes}
            store.update_run(run.id, status="running", planned=planned,
                             config={**kept, "loading": loading} if loading else kept)
            run = store.get_run(run.id)
        if on_run is not None:
            on_run(run)
        runner = Runner(store, concurrency=plan.concurrency, epochs=plan.epochs, seed=plan.seed,
                        budget_usd=plan.budget_usd, progress=progress)
        return await runner.run(run, tasks, models, only=store.error_keys(run.id) if retry_errors else None)
    finally:
        for model in {id(m): m for m in [*models, *judges]}.values():
            await model.aclose()
