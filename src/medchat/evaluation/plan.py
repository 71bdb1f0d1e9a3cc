"""What a run was asked to do, as data: enough to build its tasks again, so ``--resume RUN`` needs no
arguments repeated. Sources are bundled suite names or data files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.sample import Dataset
from medchat.evaluation.task import Task
from medchat.types import GenerationParams

DEFAULT_MODELS = ("builtin/smollm2", "assistant/builtin/smollm2", "builtin/extractive")
DEFAULT_MAX_TOKENS = 160  # short answers keep the default job inside its time budget on a 2-core machine
DEFAULT_JUDGE = "builtin/smollm2"
JUDGE_SCORERS = frozenset({"rubric", "faithfulness"})  # scorers that use the judge when there is one
NEEDS_JUDGE = frozenset({"rubric"})  # ...and those that cannot score without one (faithfulness goes lexical)


class EvalPlan(BaseModel):
    sources: list[str]  # suite names or file paths
    models: list[str]
    solver: str | None = None  # None: each suite's own (files: direct, or mcq when samples have choices)
    scorers: list[str] | None = None  # None: each suite's own (files: chosen from what the samples carry)
    judge: str | None = None  # None: evaluate() fills in DEFAULT_JUDGE before the plan is stored
    judges: list[str] = Field(default_factory=list)  # a jury (two or more; ``judge`` is then the first); see jury()
    judge_scoring: bool = True  # False: no judge (rubric left out, faithfulness lexical); see without_weak_judge
    left_out: dict[str, str] = Field(default_factory=dict)  # source -> why this plan does not run it
    limit: int | None = None  # per source; None: all (the default job uses each suite's default_limit)
    limits: dict[str, int] = Field(default_factory=dict)  # per-source limits (the default job)
    epochs: int = Field(default=1, ge=1)
    seed: int | None = None
    concurrency: int = Field(default=4, ge=1)
    budget_usd: float | None = Field(default=None, gt=0)
    max_tokens: int | None = DEFAULT_MAX_TOKENS
    temperature: float | None = None
    format: str | None = None  # for files
    mapping: dict[str, str] = Field(default_factory=dict)
    strict: bool = False  # files: fail on the first invalid record instead of skipping it

    def jury(self) -> list[str]:
        """The judges that grade: the jury, else the one judge (stored plans from before juries have only that)."""
        if len(self.judges) > 1:
            return list(dict.fromkeys(self.judges))
        return [self.judge] if self.judge else []

    def params(self) -> GenerationParams:
        return GenerationParams(max_tokens=self.max_tokens, temperature=self.temperature, seed=self.seed)


def load_source(source: str, plan: EvalPlan) -> tuple[Dataset, str, tuple[str, ...]]:
    """The dataset a source names, with its default solver and scorers."""
    from medchat.evaluation.loaders import load_dataset
    from medchat.evaluation.suites import SUITES

    if source in SUITES and not Path(source).exists():
        suite = SUITES[source]
        dataset = load_dataset(suite.path, format=suite.format, name=suite.name, strict=plan.strict)
        return dataset, suite.solver, suite.scorers
    path = Path(source).expanduser()
    if not path.exists():
        raise ConfigError(f"no suite or file named {source!r}",
                          hint="bundled suites: " + ", ".join(SUITES) + "; or give the path of a data file")
    dataset = load_dataset(path, format=plan.format, mapping=plan.mapping or None, strict=plan.strict)
    return dataset, infer_solver(dataset), infer_scorers(dataset)


def infer_solver(dataset: Dataset) -> str:
    return "mcq" if dataset.samples and all(s.choices for s in dataset.samples) else "direct"


def infer_scorers(dataset: Dataset) -> tuple[str, ...]:
    """Scorers that make sense for what the samples carry."""
    samples = dataset.samples
    names: list[str] = []
    if any(s.choices == ["yes", "no", "maybe"] for s in samples):
        names.append("pubmedqa")
    elif any(s.choices for s in samples):
        names.append("choice")
    elif any(s.target for s in samples):
        names += ["f1", "rouge", "chrf", "embedding_similarity"]
    if any(s.rubric for s in samples):
        names.append("rubric")
    if any(s.context for s in samples) and not any(s.choices for s in samples):
        names.append("faithfulness")
    if any("expect" in s.metadata for s in samples):
        names += ["escalation", "declined_harmful", "not_refused", "no_pii_echo"]
    return (*names, "performance")


def build_tasks(plan: EvalPlan, *, judge: Any = None, embedder: str | None = None,
                on_notice: Callable[[str], None] | None = None) -> list[Task]:
    """One task per source, with scorers built (judge-based ones get ``judge``); ``on_notice`` hears, per file,
    a line when its loader skipped invalid records and one per loader note (``Task.loading`` keeps them)."""
    from medchat.evaluation.sample import LoadSummary
    from medchat.evaluation.score import get_scorer
    from medchat.evaluation.solvers import get_solver

    tasks: list[Task] = []
    params = plan.params()
    for source in plan.sources:
        dataset, solver, scorer_names = load_source(source, plan)
        loading = LoadSummary.of(dataset)
        if on_notice is not None and loading is not None:
            for line in loading.lines():
                on_notice(line)
        limit = plan.limits.get(source, plan.limit)
        dataset = dataset.limited(limit, seed=plan.seed)
        solver = plan.solver or solver
        get_solver(solver)  # unknown names fail before anything runs
        options: dict[str, Any] = {"judge": judge if plan.judge_scoring else None}
        if embedder:
            options["embedder"] = embedder
        names = [n for n in plan.scorers or scorer_names if plan.judge_scoring or n not in NEEDS_JUDGE]
        scorers = [get_scorer(name, **options) for name in names]
        tasks.append(Task(name=dataset.name, dataset=dataset, scorers=scorers, solver=solver, params=params,
                          loading=loading))
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ConfigError("two sources have the same dataset name: " + ", ".join(names),
                          hint="rename one of the files")
    return tasks


def needs_judge(tasks: list[Task]) -> bool:
    return any(s.name in JUDGE_SCORERS for t in tasks for s in t.scorers)


def without_weak_judge(plan: EvalPlan) -> EvalPlan:
    """The default job without judge-based scoring when its default judge is known not to discriminate.

    A judge chosen with ``--judge`` (or scorers chosen with ``--scorer``) is used as asked, its scores then
    carrying the judge's caveat; only the default judge is held back, and only while ``judges.trust`` does
    not trust it. Without it the rubric is left out and faithfulness is checked lexically; a suite left with
    no quality scorer at all (the conversations, graded only by rubric) is not run, and ``left_out`` says
    why, for the terminal and the report: answers nobody can grade are not worth the minutes they take.
    """
    from medchat.evaluation.judges.trust import judge_trust
    from medchat.evaluation.suites import SUITES

    trust = judge_trust(DEFAULT_JUDGE)
    if plan.judge is not None or plan.scorers is not None or trust.trusted:
        return plan
    kept: list[str] = []
    left_out: dict[str, str] = dict(plan.left_out)
    for source in plan.sources:
        names = SUITES[source].scorers if source in SUITES else ()
        if names and all(n in NEEDS_JUDGE or n == "performance" for n in names):
            needed = ", ".join(n for n in names if n in NEEDS_JUDGE)
            left_out[source] = (f"{needed} needs a judge and the default one ({DEFAULT_JUDGE}) is left out: "
                                f"{trust.note}; add --judge MODEL to run it")
        else:
            kept.append(source)
    return plan.model_copy(update={"sources": kept, "judge_scoring": False, "left_out": left_out,
                                   "limits": {s: n for s, n in plan.limits.items() if s in kept}})
