"""Battles judged by a model: every pair of models on every sample, each battle asked in both orders and stored as it
completes.

    answers: the models' answers as an ordinary eval run (``evaluate``), or stored runs (``from_runs``)
        ─► pairs: every pair of models on every sample both answered (a missing answer skips the pair, counted)
        ─► judge_pair (both orders; a verdict that flips is an inconsistent tie), ``concurrency`` at a time
        ─► BattleStore.add (one row, unique key) as each completes

Answers are generated through the eval machinery so they are stored like any run's (``medchat runs show`` reads
them) and never generated twice: ``from_runs`` reuses earlier runs' answers, and a model found there is not asked
again. Resuming an arena run finishes its eval run if that stopped short, then judges only the battles not yet
stored, so a killed run loses at most the battles in flight. A battle the judge could not decide (no valid verdict
after its retries, or a provider that stayed unavailable) is counted, not stored: a resume asks it again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from medchat.config import Settings, get_settings
from medchat.errors import ConfigError, MedchatError
from medchat.evaluation.arena.jury import JuryAgreement, jury_agreement
from medchat.evaluation.judges.pairwise import PairJudgment
from medchat.evaluation.plan import DEFAULT_MAX_TOKENS, EvalPlan, load_source
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.runner import RunProgress
from medchat.evaluation.store import RunStore
from medchat.storage.battles import ArenaRun, BattleStore, StoredBattle

TURN = 1  # an eval sample is answered once, after its last user turn
PUBLIC = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}
ANSWER_SCORERS = ["performance"]  # the answers' eval run measures latency and cost; quality is the judge's


class ArenaPlan(BaseModel):
    """What an arena run was asked to do, stored with it so ``resume`` needs nothing repeated."""

    sources: list[str] = Field(default_factory=list)  # suites or files; empty: every sample of ``from_runs``
    models: list[str]
    judge: str
    judges: list[str] = Field(default_factory=list)  # a jury (2+, ``judge`` the first): each judges every battle
    from_runs: list[str] = Field(default_factory=list)  # eval runs whose stored answers are reused
    limit: int | None = Field(default=None, ge=1)
    concurrency: int = Field(default=4, ge=1)
    seed: int | None = None
    max_tokens: int | None = DEFAULT_MAX_TOKENS
    temperature: float | None = None
    format: str | None = None
    mapping: dict[str, str] = Field(default_factory=dict)

    def jury(self) -> list[str]:
        """The judges: the jury, else the one judge (stored plans from before juries name only that)."""
        return list(dict.fromkeys(self.judges)) if len(set(self.judges)) > 1 else [self.judge]

    def eval_plan(self, models: list[str]) -> EvalPlan:
        return EvalPlan(sources=self.sources, models=models, scorers=ANSWER_SCORERS, judge_scoring=False,
                        limit=self.limit, seed=self.seed, concurrency=self.concurrency, max_tokens=self.max_tokens,
                        temperature=self.temperature, format=self.format, mapping=self.mapping)


class ArenaOutcome(BaseModel):
    """What one call did, and the run as it stands after it."""

    run: ArenaRun
    planned: int  # battles with both answers
    asked: int  # judged by this call
    reused: int  # stored before
    failed: int  # the judge gave no verdict: not stored, a resume asks again
    failures: list[str] = Field(default_factory=list)  # the first few reasons
    skipped: dict[str, int] = Field(default_factory=dict)  # model -> battles left out for want of its answer
    consistent: int = 0  # stored battles whose verdict survived the order swap
    judged: int = 0  # stored battles with a consistency to tell (a judge's, not a person's)
    judges: list[str] = Field(default_factory=list)
    jury: JuryAgreement | None = None  # several judges: each one's consistency, and how far they agree

    @property
    def position_consistency(self) -> float | None:
        return self.consistent / self.judged if self.judged else None


@dataclass
class ArenaProgress:
    """Callbacks for a front end; all optional. ``answers`` is handed to the eval runner."""

    on_run: Callable[[ArenaRun], None] = lambda run: None
    answers: RunProgress = field(default_factory=RunProgress)
    on_judging: Callable[[int, int], None] = lambda todo, stored: None
    on_battle: Callable[[bool], None] = lambda stored: None


async def run_arena(plan: ArenaPlan | None = None, *, resume: str | None = None, settings: Settings | None = None,
                    store: BattleStore | None = None, run_store: RunStore | None = None,
                    progress: ArenaProgress | None = None) -> ArenaOutcome:
    """Run ``plan`` as a new arena run, or finish the stored arena run ``resume``."""
    from medchat.gateway import get_model

    settings = settings or get_settings()
    progress = progress or ArenaProgress()
    if store is None or run_store is None:
        from medchat.storage import open_database

        database = open_database(settings)
        store = store or BattleStore(database)
        run_store = run_store or RunStore(database)
    if resume is not None:
        run = store.get_run(resume)
        if run.kind != "judged":
            raise ConfigError(f"arena run {run.id} holds imported battles; there is nothing to resume")
        plan = ArenaPlan.model_validate(run.config["plan"])
        store.update_run(run.id, status="running")
    elif plan is None:
        raise ConfigError("nothing to judge", hint="give a suite or file with -m A -m B --judge J, or --resume ID")
    _check(plan)
    from_runs = [run_store.resolve_id(r) for r in plan.from_runs]
    wanted = _wanted(plan) if plan.sources else None  # an unknown suite or a bad file fails before anything runs
    stored = {name for r in from_runs for name in _names(run_store.get_run(r))}
    if not plan.sources and (missing := [m for m in dict.fromkeys(plan.models) if m not in stored]):
        raise ConfigError(f"no stored answers of {', '.join(missing)} in run {', '.join(from_runs)}",
                          hint="give the suite or file too, so they are asked, or a run that holds them")
    from medchat.safety.cache_hooks import hooks_for
    from medchat.storage.gateway_stores import gateway_stores

    judges = [get_model(name, settings=settings, cache_hooks=hooks_for(name, settings), stores=gateway_stores())
              for name in plan.jury()]  # an unknown judge fails first
    try:
        if resume is None:
            run = store.create_run(kind="judged", judge=run_judge(judges), models=list(dict.fromkeys(plan.models)),
                                   answers=from_runs, source=", ".join(plan.sources) or None,
                                   config={"plan": plan.model_dump(mode="json")})
        progress.on_run(run)
        try:
            results, names = await _answers(plan, run, from_runs, store, run_store, settings, progress)
            models = list(dict.fromkeys(names.get(m, m) for m in plan.models))
            store.update_run(run.id, models=models)
            return await _judge_all(plan, store.get_run(run.id), models, results, wanted, judges, store, progress)
        except (KeyboardInterrupt, asyncio.CancelledError):
            store.update_run(run.id, status="interrupted")
            raise
        except BaseException:
            store.update_run(run.id, status="failed")
            raise
    finally:
        for judge in judges:
            await judge.aclose()


def _check(plan: ArenaPlan) -> None:
    models = list(dict.fromkeys(plan.models))
    if len(models) < 2:
        raise ConfigError("an arena needs at least two models", hint="give -m A -m B")
    if not plan.sources and not plan.from_runs:
        raise ConfigError("no questions to judge", hint="give a suite or data file, or --from-runs RUN")


async def _answers(plan: ArenaPlan, run: ArenaRun, from_runs: list[str], store: BattleStore, run_store: RunStore,
                   settings: Settings, progress: ArenaProgress
                   ) -> tuple[dict[tuple[str, str], dict[str, SampleResult]], dict[str, str]]:
    """Each sample's answers by (canonical) model, from the stored runs and, for models they lack, a new (or
    resumed) eval run; and the names the plan gave, mapped to the names the answers are stored under."""
    from medchat.evaluation.evaluate import evaluate

    reused = _index(r for run_id in from_runs for r in run_store.results(run_id))
    names: dict[str, str] = {}
    for run_id in from_runs:
        names.update(_names(run_store.get_run(run_id)))
    asked = run.config.get("asked_run")
    missing = [m for m in dict.fromkeys(plan.models) if m not in names]
    if missing and plan.sources and (asked is None or run_store.get_run(asked).status != "completed"):
        def on_run(info: RunInfo) -> None:  # noted at once, so a resume finishes this eval run
            store.update_run(run.id, answers=[*from_runs, info.id],
                             config={**run.config, "asked_run": info.id})

        info = await evaluate(plan.eval_plan(missing) if asked is None else None, resume=asked, settings=settings,
                              store=run_store, on_run=on_run, progress=progress.answers)
        asked = info.id
    if asked is not None:
        names.update(_names(run_store.get_run(asked)))
        for key, answers in _index(run_store.results(asked)).items():
            reused.setdefault(key, {}).update(answers)
    return reused, names


def _names(info: RunInfo) -> dict[str, str]:
    """The model names an eval run was asked for (an alias, a spelling) mapped to the names its answers are stored
    under (``get_model(name).name``), and each stored name to itself."""
    asked = list(dict.fromkeys((info.config.get("plan") or {}).get("models") or []))
    found = dict(zip(asked, info.models, strict=True)) if len(asked) == len(info.models) else {}
    return {**found, **{name: name for name in info.models}}


def _index(results: Any) -> dict[tuple[str, str], dict[str, SampleResult]]:
    """``{(task, sample id): {model: result}}`` of the first epoch; a later run's result replaces an earlier one's,
    and an error never replaces an answer."""
    found: dict[tuple[str, str], dict[str, SampleResult]] = {}
    for result in results:
        if result.epoch != 0:
            continue
        answers = found.setdefault((result.task, result.sample_id), {})
        if result.error is None or answers.get(result.model) is None or answers[result.model].error is not None:
            answers[result.model] = result
    return found


def _wanted(plan: ArenaPlan) -> list[tuple[str, str]]:
    """The (task, sample id) pairs the plan's sources give, as the eval run picks them (same limit and seed)."""
    eval_plan = plan.eval_plan(plan.models)
    keys: list[tuple[str, str]] = []
    for source in plan.sources:
        dataset, _, _ = load_source(source, eval_plan)
        keys += [(dataset.name, sample.id) for sample in dataset.limited(plan.limit, seed=plan.seed).samples]
    return keys


async def _judge_all(plan: ArenaPlan, run: ArenaRun, models: list[str],
                     answers: dict[tuple[str, str], dict[str, SampleResult]],
                     wanted: list[tuple[str, str]] | None, judge_models: list[Any], store: BattleStore,
                     progress: ArenaProgress) -> ArenaOutcome:
    from medchat.evaluation.judges.judge import Judge, load_prompt
    from medchat.evaluation.judges.pairwise import PROMPT

    judges, prompt = [Judge(model) for model in judge_models], load_prompt(PROMPT).id
    done = store.keys(run.id)
    skipped: dict[str, int] = {}
    todo: list[tuple[Judge, str, SampleResult, SampleResult]] = []
    planned = reused = 0
    for task, sample_id in wanted if wanted is not None else sorted(answers):
        found = answers.get((task, sample_id), {})
        for a, b in itertools.combinations(models, 2):
            ra, rb = found.get(a), found.get(b)
            lacking = [m for m, r in ((a, ra), (b, rb)) if r is None or r.error is not None or r.output is None]
            if lacking:
                for model in lacking:
                    skipped[model] = skipped.get(model, 0) + 1
                continue
            sample = f"{task}/{sample_id}"
            for judge in judges:  # each judge's verdict is a battle of its own (the judge is in the key)
                planned += 1
                if (sample, TURN, a, b, judge.name, prompt) in done:
                    reused += 1
                else:
                    todo.append((judge, sample, ra, rb))  # type: ignore[arg-type]
    store.update_run(run.id, planned=planned, judge=run_judge(judge_models), prompt=prompt)
    progress.on_judging(len(todo), reused)
    failures: list[str] = []
    queue: asyncio.Queue[tuple[Judge, str, SampleResult, SampleResult]] = asyncio.Queue()
    for item in todo:
        queue.put_nowait(item)

    async def worker() -> None:
        from medchat.evaluation.judges.pairwise import judge_pair

        while not queue.empty():
            judge, sample, ra, rb = queue.get_nowait()
            try:
                verdict = await judge_pair(judge, ra.input, _text(ra), _text(rb))
            except MedchatError as exc:
                by = f", judge {judge.name}" if len(judges) > 1 else ""
                failures.append(f"{sample} ({ra.model} vs {rb.model}{by}): {exc}")
                progress.on_battle(False)
                continue
            battle = _battle(run.id, sample, ra, rb, verdict)
            await asyncio.to_thread(store.add, battle)
            progress.on_battle(True)

    workers = [asyncio.create_task(worker()) for _ in range(min(plan.concurrency, len(todo)) or 1)]
    try:
        await asyncio.gather(*workers)
    finally:  # one worker's crash stops the others: what is stored stays, the battles in flight are lost
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    store.update_run(run.id, status="incomplete" if failures else "completed")
    stored = store.list(run.id)
    flags = [b.consistent for b in stored if b.consistent is not None]
    return ArenaOutcome(run=store.get_run(run.id), planned=planned, asked=len(todo) - len(failures), reused=reused,
                        failed=len(failures), failures=failures[:5], skipped=skipped, consistent=sum(flags),
                        judged=len(flags), judges=[j.name for j in judges],
                        jury=jury_agreement(stored, [j.name for j in judges]) if len(judges) > 1 else None)


def run_judge(judges: list[Any]) -> str:
    """What an arena run's ``judge`` column says: the judge, or ``jury: a, b``."""
    names = [j.name for j in judges]
    return names[0] if len(names) == 1 else "jury: " + ", ".join(names)


def _battle(run_id: str, sample: str, ra: SampleResult, rb: SampleResult, verdict: PairJudgment) -> StoredBattle:
    return StoredBattle(run_id=run_id, sample_id=sample, turn=TURN, model_a=ra.model, model_b=rb.model,
                        winner=PUBLIC[verdict.winner], judge=verdict.model, prompt=verdict.prompt,
                        consistent=verdict.consistent, verdict_ab=PUBLIC[verdict.first],
                        verdict_ba=PUBLIC[verdict.second], length_a=len(_text(ra)), length_b=len(_text(rb)),
                        metadata={"explanations": verdict.explanations, "attempts": verdict.attempts,
                                  "answers": [ra.run_id, rb.run_id]})


def _text(result: SampleResult) -> str:
    return result.output.text if result.output is not None else ""
