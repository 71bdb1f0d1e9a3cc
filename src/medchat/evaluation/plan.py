"""What a run was asked to do, as data: enough to build its tasks again, so ``--resume RUN`` needs no
arguments repeated. Sources are bundled suite names or data files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.sample import Dataset
from medchat.evaluation.task import Task
from medchat.types import GenerationParams

DEFAULT_MODELS = ("builtin/smollm2", "assistant/builtin/smollm2", "builtin/extractive")
DEFAULT_MAX_TOKENS = 160  # short answers keep the default job inside its time budget on a 2-core machine


class EvalPlan(BaseModel):
    sources: list[str]  # suite names or file paths
    models: list[str]
    solver: str | None = None  # None: each suite's own (files: direct, or mcq when samples have choices)
    scorers: list[str] | None = None  # None: each suite's own (files: chosen from what the samples carry)
    judge: str | None = None  # None: evaluate() fills in its DEFAULT_JUDGE before the plan is stored
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

    def params(self) -> GenerationParams:
        return GenerationParams(max_tokens=self.max_tokens, temperature=self.temperature, seed=self.seed)


def load_source(source: str, plan: EvalPlan) -> tuple[Dataset, str, tuple[str, ...]]:
    """The dataset a source names, with its default solver and scorers."""
    from medchat.evaluation.loaders import load_dataset
    from medchat.evaluation.suites import SUITES

    if source in SUITES and not Path(source).exists():
        suite = SUITES[source]
        dataset = load_dataset(suite.path, format=suite.format, name=suite.name)
        return dataset, suite.solver, suite.scorers
    path = Path(source).expanduser()
    if not path.exists():
        raise ConfigError(f"no suite or file named {source!r}",
                          hint="bundled suites: " + ", ".join(SUITES) + "; or give the path of a data file")
    dataset = load_dataset(path, format=plan.format, mapping=plan.mapping or None)
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


def build_tasks(plan: EvalPlan, *, judge: Any = None, embedder: str | None = None) -> list[Task]:
    """One task per source, with scorers built (judge-based ones get ``judge``)."""
    from medchat.evaluation.score import get_scorer
    from medchat.evaluation.solvers import get_solver

    tasks: list[Task] = []
    params = plan.params()
    for source in plan.sources:
        dataset, solver, scorer_names = load_source(source, plan)
        limit = plan.limits.get(source, plan.limit)
        dataset = dataset.limited(limit, seed=plan.seed)
        solver = plan.solver or solver
        get_solver(solver)  # unknown names fail before anything runs
        options: dict[str, Any] = {"judge": judge}
        if embedder:
            options["embedder"] = embedder
        scorers = [get_scorer(name, **options) for name in (plan.scorers or scorer_names)]
        tasks.append(Task(name=dataset.name, dataset=dataset, scorers=scorers, solver=solver, params=params))
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ConfigError("two sources have the same dataset name: " + ", ".join(names),
                          hint="rename one of the files")
    return tasks


def needs_judge(tasks: list[Task]) -> bool:
    return any(s.name in {"rubric", "faithfulness"} for t in tasks for s in t.scorers)
