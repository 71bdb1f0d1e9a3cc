"""What a run produces: one ``SampleResult`` per (task, model, sample, epoch), and the run's record."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from medchat.evaluation.output import Output
from medchat.evaluation.sample import LoadSummary
from medchat.evaluation.score import Score
from medchat.types import Message

RunStatus = Literal["running", "completed", "incomplete", "interrupted", "failed", "over_budget"]


class SampleResult(BaseModel):
    """Everything about one answer: the transcript, each scorer's verdict, timings and cost.

    ``error`` is set when the model could not answer (after retries); such a result has no scores and is
    counted apart from the means. ``error_retryable`` says whether it was a temporary failure (a timeout, a
    429, a 5xx, a cut answer) that another try may get past, or one that fails the same until its cause is
    fixed (a rejected request or key, a wrong base_url).
    """

    run_id: str
    task: str
    model: str
    sample_id: str
    epoch: int = 0
    input: list[Message] = Field(default_factory=list)
    target: list[str] = Field(default_factory=list)
    output: Output | None = None
    scores: dict[str, Score] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    error: str | None = None
    error_retryable: bool | None = None  # whether another try may answer (None: stored before this was kept)
    created_at: datetime | None = None

    def metrics(self) -> dict[str, float]:
        """Every scorer's metrics, flat: ``{"f1": 0.5, "rouge.rougeL": 0.4, "performance.ttft_s": 0.2}``."""
        out: dict[str, float] = {}
        for name, score in self.scores.items():
            out.update(score.metrics(name))
        return out

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.task, self.model, self.sample_id, self.epoch)


class RunInfo(BaseModel):
    """A run's record: what was asked (enough to resume it) and how far it got.

    ``status`` is as the store reads it: a run stored as ``running`` whose process is gone (``owner_pid`` no
    longer alive, or reused, on ``owner_host``; seen from elsewhere, ``heartbeat_at`` stale) reads
    ``interrupted``. ``incomplete``: the process finished what it was asked (``--retry-errors``) but samples
    of the plan were never asked; ``--resume`` asks them.
    """

    id: str
    created_at: datetime
    updated_at: datetime
    status: RunStatus = "running"
    tasks: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)  # suites/files, solver, judge, limit, epochs, seed...
    planned: int = 0  # samples × models × epochs
    done: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    owner_pid: int | None = None  # the process that last ran it
    owner_host: str | None = None  # "hostname/pidns:<inode>": where its pid means it
    owner_started: int | None = None  # the pid's start, so a reused pid is not taken for it
    heartbeat_at: datetime | None = None  # renewed while it runs
    cancel_requested_at: datetime | None = None  # a server was asked to cancel it; its process stops between samples

    def loading(self) -> dict[str, LoadSummary]:
        """Per task, what loading its data left out or decided (``config["loading"]``, stored by ``evaluate``)."""
        stored = self.config.get("loading") or {}
        return {task: LoadSummary.model_validate(value) for task, value in stored.items()}
