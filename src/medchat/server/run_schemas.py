"""Request and response models of ``/api/runs`` (``routes/runs.py``): what a client may ask of an evaluation run
(a subset of ``EvalPlan``) and how stored runs are shown (``RunInfo`` without its owner's pid and host)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from medchat.evaluation.plan import DEFAULT_MAX_TOKENS, EvalPlan
from medchat.evaluation.results import RunInfo, RunStatus
from medchat.evaluation.stats import MetricSummary

MAX_CONCURRENCY = 64  # per model; a run asking for more is refused rather than flooding a provider
MAX_EPOCHS = 100


class StartRun(BaseModel):
    """``POST /api/runs``: the useful subset of ``EvalPlan``. ``sources`` are bundled suite names or files in
    the server's datasets folder (``<data_dir>/datasets``), named relative to it. Without a ``judge``, the
    judge-graded parts are left out as ``medchat eval`` leaves them out of its default job (the default judge
    is too small to trust), unless ``scorers`` are named."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(min_length=1, max_length=20)
    models: list[str] = Field(min_length=1, max_length=20)
    solver: str | None = None
    scorers: list[str] | None = None
    judge: str | None = None
    limit: int | None = Field(default=None, ge=1)
    epochs: int = Field(default=1, ge=1, le=MAX_EPOCHS)
    seed: int | None = None
    concurrency: int = Field(default=4, ge=1, le=MAX_CONCURRENCY)
    budget_usd: float | None = Field(default=None, gt=0)
    max_tokens: int | None = Field(default=DEFAULT_MAX_TOKENS, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    format: str | None = None
    mapping: dict[str, str] = Field(default_factory=dict)
    strict: bool = False

    def plan(self, sources: list[str]) -> EvalPlan:
        """The ``EvalPlan`` with ``sources`` as checked and placed by the server."""
        return EvalPlan(**{**self.model_dump(exclude={"sources"}), "sources": sources})


class RunLinks(BaseModel):
    self: str
    events: str
    report: str
    cancel: str

    @classmethod
    def of(cls, run_id: str) -> RunLinks:
        base = f"/api/runs/{run_id}"
        return cls(self=base, events=f"{base}/events", report=f"{base}/report", cancel=f"{base}/cancel")


class RunSummary(BaseModel):
    """One run as listed: its record without the owner's pid and host (the server's business)."""

    id: str
    created: datetime
    updated: datetime
    status: RunStatus
    done: int
    planned: int
    errors: int
    cost_usd: float
    tasks: list[str]
    models: list[str]
    links: RunLinks
    cancel_requested_at: datetime | None = None  # cancelled through a replica; stops after the sample in hand

    @classmethod
    def of(cls, info: RunInfo) -> RunSummary:
        return cls(id=info.id, created=info.created_at, updated=info.updated_at, status=info.status, done=info.done,
                   planned=info.planned, errors=info.errors, cost_usd=info.cost_usd, tasks=info.tasks,
                   models=info.models, links=RunLinks.of(info.id), cancel_requested_at=info.cancel_requested_at)


class RunList(BaseModel):
    object: str = "list"
    data: list[RunSummary]


class Metric(BaseModel):
    """A metric's mean over samples with its 95 % bootstrap interval (``None`` with fewer than two samples)."""

    mean: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int
    judges: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, summary: MetricSummary) -> Metric:
        return cls(mean=summary.mean, ci_low=summary.ci_low, ci_high=summary.ci_high, n=summary.n,
                   judges=summary.judges)


class TaskModelMetrics(BaseModel):
    task: str
    model: str
    metrics: dict[str, Metric]


class RunDetail(RunSummary):
    """``GET /api/runs/{id}``: the record, the stored plan, suites the plan left out (with why), every
    metric's mean per suite and model, and per model how many answers fallback models gave, by reason (only
    models some fallback answered for) — what ``medchat runs show`` prints."""

    plan: dict[str, Any] = Field(default_factory=dict)
    left_out: dict[str, str] = Field(default_factory=dict)
    results: list[TaskModelMetrics] = Field(default_factory=list)
    fallbacks: dict[str, dict[str, int]] = Field(default_factory=dict)


class RunEvent(BaseModel):
    """One server-sent event of ``GET /api/runs/{id}/events``; ``final`` on the last one."""

    id: str
    status: RunStatus
    done: int
    planned: int
    errors: int
    cost_usd: float
    final: bool = False

    @classmethod
    def of(cls, info: RunInfo) -> RunEvent:
        return cls(id=info.id, status=info.status, done=info.done, planned=info.planned, errors=info.errors,
                   cost_usd=info.cost_usd, final=info.status != "running")
