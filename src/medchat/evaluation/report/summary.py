"""What a report shows, computed once: a ``Report`` holding the run records, every statistic and the
comparisons. HTML and JSON are both rendered from it, so the page and the export always agree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import combinations
from typing import Literal

from pydantic import BaseModel, Field

from medchat.__about__ import __version__
from medchat.evaluation.judges.jury_stats import JurySummary, jury_line, jury_summaries
from medchat.evaluation.judges.trust import judge_caveat
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.stats import (
    CONFIDENCE,
    RESAMPLES,
    SEED,
    Comparison,
    Coverage,
    MetricSummary,
    Performance,
    Separation,
    Timings,
    compare_models,
    coverage,
    metric_order,
    performance,
    separations,
    summarize,
    tag_breakdown,
    timings,
)

Side = Literal["A", "B"]


class StatsSettings(BaseModel):
    resamples: int = RESAMPLES
    confidence: float = CONFIDENCE
    seed: int = SEED


class Report(BaseModel):
    """Everything a report page shows. ``models`` are display labels: in a comparison of two runs a model
    present in both is labelled with its run (``model_sides``/``model_names`` map labels back)."""

    kind: Literal["run", "comparison"] = "run"
    title: str
    generated_at: datetime
    medchat_version: str = __version__
    runs: list[RunInfo]
    models: list[str]
    tasks: list[str]
    metrics: dict[str, list[str]] = Field(default_factory=dict)  # task -> per-sample metrics, scorer order
    primary: dict[str, str] = Field(default_factory=dict)  # task -> the metric leaderboards sort by
    summaries: list[MetricSummary] = Field(default_factory=list)
    tags: list[MetricSummary] = Field(default_factory=list)
    coverage: list[Coverage] = Field(default_factory=list)
    performance: list[Performance] = Field(default_factory=list)  # per model, all tasks
    performance_by_task: list[Performance] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    separation: list[Separation] = Field(default_factory=list)  # per (task, metric): does it separate the models?
    judge_notes: dict[str, dict[str, str]] = Field(default_factory=dict)  # task -> metric -> untrusted-judge caveat
    timings: dict[str, Timings] = Field(default_factory=dict)
    model_sides: dict[str, Side] = Field(default_factory=dict)  # comparison: which run a label belongs to
    model_names: dict[str, str] = Field(default_factory=dict)
    settings: StatsSettings = Field(default_factory=StatsSettings)

    def summary(self, task: str, model: str, metric: str) -> MetricSummary | None:
        return next((s for s in self.summaries
                     if s.task == task and s.model == model and s.metric == metric and s.tag is None), None)

    def separates(self, task: str, metric: str) -> Separation | None:
        return next((s for s in self.separation if s.task == task and s.metric == metric), None)

    def judge_note(self, task: str, metric: str) -> str | None:
        """"judge too small to discriminate (builtin/smollm2)" for a metric graded by an untrusted judge."""
        return self.judge_notes.get(task, {}).get(metric)

    def left_out(self) -> dict[str, str]:
        """Sources the runs' plans left out, with the reason (the default job without a trusted judge)."""
        out: dict[str, str] = {}
        for run in self.runs:
            out.update((run.config.get("plan") or {}).get("left_out") or {})
        return out

    def loading(self) -> list[str]:
        """What loading the runs' data skipped or decided, a line each (``1,272 loaded, 1 skipped (...)``)."""
        return list(dict.fromkeys(line for run in self.runs for summary in run.loading().values()
                                  for line in summary.lines()))

    def quality_metrics(self, task: str) -> list[str]:
        """Per-sample quality metrics (not ``performance.*``), then corpus metrics such as ``choice.macro_f1``."""
        per_sample = [m for m in self.metrics.get(task, []) if not m.startswith("performance.")]
        corpus = list(dict.fromkeys(s.metric for s in self.summaries if s.task == task and s.corpus))
        return per_sample + [m for m in corpus if m not in per_sample]

    def leaderboard(self, task: str) -> list[str]:
        """Models on ``task``, best primary metric first; models without a value last, in run order."""
        metric = self.primary.get(task)
        present = [m for m in self.models if any(c.task == task and c.model == m for c in self.coverage)]
        if metric is None:
            return present

        def key(model: str) -> tuple[int, float]:
            summary = self.summary(task, model, metric)
            if summary is None or summary.mean is None:
                return (1, 0.0)
            return (0, -summary.mean)

        return sorted(present, key=key)


def primary_metric(metrics: Sequence[str]) -> str | None:
    """The first quality metric the task's scorers produced (scorer order is the task author's choice)."""
    return next((m for m in metrics if not m.startswith("performance.")), metrics[0] if metrics else None)


def build_report(
    runs: Sequence[RunInfo],
    results: Sequence[SampleResult],
    *,
    kind: Literal["run", "comparison"] = "run",
    pairs: Sequence[tuple[str, str]] | None = None,
    title: str | None = None,
    model_sides: dict[str, Side] | None = None,
    model_names: dict[str, str] | None = None,
    settings: StatsSettings | None = None,
) -> Report:
    """Compute every statistic of ``results``. ``pairs`` are the (model A, model B) comparisons to make
    (default: every pair of models, in run order), each on every quality metric of every shared task."""
    settings = settings or StatsSettings()
    options = settings.model_dump()
    models = _ordered([m for run in runs for m in run.models], [r.model for r in results])
    tasks = _ordered([t for run in runs for t in run.tasks], [r.task for r in results])
    metrics = {task: metric_order([r for r in results if r.task == task]) for task in tasks}
    primary = {task: p for task in tasks if (p := primary_metric(metrics[task])) is not None}
    by_model: dict[str, list[SampleResult]] = {m: [] for m in models}
    for result in results:
        by_model[result.model].append(result)
    comparisons: list[Comparison] = []
    for model_a, model_b in pairs if pairs is not None else combinations(models, 2):
        quality = list(dict.fromkeys(m for t in tasks for m in metrics[t] if not m.startswith("performance.")))
        comparisons.extend(compare_models(by_model.get(model_a, []), by_model.get(model_b, []), model_a=model_a,
                                          model_b=model_b, metrics=quality, **options))
    if title is None:
        title = (f"Evaluation run {runs[0].id}" if kind == "run" and len(runs) == 1
                 else "Comparison of runs " + " and ".join(run.id for run in runs))
    summaries = summarize(results, **options)
    return Report(
        kind=kind, title=title, generated_at=datetime.now(UTC), runs=list(runs), models=models, tasks=tasks,
        metrics=metrics, primary=primary, summaries=summaries, separation=separations(summaries),
        judge_notes=judge_notes(summaries, jury_summaries(results)),
        tags=tag_breakdown(results, **options), coverage=coverage(results), performance=performance(results),
        performance_by_task=performance(results, by_task=True), comparisons=comparisons, timings=timings(results),
        model_sides=model_sides or {}, model_names=model_names or {}, settings=settings)


def judge_notes(summaries: Sequence[MetricSummary], juries: Sequence[JurySummary] = ()) -> dict[str, dict[str, str]]:
    """``{task: {metric: caveat}}`` for the metrics graded by a judge ``judges.trust`` does not trust (inside
    ``reporting_agreement``: by any judge); a jury's metric also gets each judge's mean and the judges' α."""
    judges: dict[tuple[str, str], set[str]] = {}
    for s in summaries:
        if s.tag is None:
            judges.setdefault((s.task, s.metric), set()).update(s.judges)
    out: dict[str, dict[str, str]] = {}
    for (task, metric), models in judges.items():
        if (note := judge_caveat(models)) is not None:
            out.setdefault(task, {})[metric] = note
    for jury in juries:
        note = out.get(jury.task, {}).get(jury.metric)
        out.setdefault(jury.task, {})[jury.metric] = jury_line(jury) + (f"; {note}" if note else "")
    return out


def _ordered(declared: Sequence[str], seen: Sequence[str]) -> list[str]:
    """Declared names that have results (in declared order), then any others in the order they appear."""
    present = set(seen)
    return list(dict.fromkeys([n for n in declared if n in present] + list(seen)))


def comparison_inputs(
    run_a: RunInfo, results_a: Sequence[SampleResult], run_b: RunInfo, results_b: Sequence[SampleResult]
) -> tuple[list[SampleResult], list[tuple[str, str]], dict[str, Side], dict[str, str]]:
    """Merge two runs for one report: results (models relabelled where both runs have the same name), the
    A-vs-B pairs to compare, and label → side ("A"/"B") and label → model name maps.

    Models present in both runs are compared with themselves (a prompt or setting changed between runs);
    with no model in common every model of A is compared with every model of B.
    """
    models_a = _ordered(run_a.models, [r.model for r in results_a])
    models_b = _ordered(run_b.models, [r.model for r in results_b])
    common = [m for m in models_a if m in models_b]
    tag_a, tag_b = (run_a.id, run_b.id) if run_a.id != run_b.id else ("A", "B")

    def label(model: str, tag: str) -> str:
        return f"{model} [{tag}]" if model in common else model

    merged = [r.model_copy(update={"model": label(r.model, tag_a)}) for r in results_a]
    merged += [r.model_copy(update={"model": label(r.model, tag_b)}) for r in results_b]
    pairs = ([(label(m, tag_a), label(m, tag_b)) for m in common] if common
             else [(a, b) for a in models_a for b in models_b])
    sides: dict[str, Side] = {label(m, tag_a): "A" for m in models_a} | {label(m, tag_b): "B" for m in models_b}
    names = {label(m, tag_a): m for m in models_a} | {label(m, tag_b): m for m in models_b}
    return merged, pairs, sides, names


def build_comparison(
    run_a: RunInfo, results_a: Sequence[SampleResult], run_b: RunInfo, results_b: Sequence[SampleResult],
    *, settings: StatsSettings | None = None,
) -> tuple[Report, list[SampleResult]]:
    """The report comparing run A with run B, and the merged (relabelled) results it describes."""
    merged, pairs, sides, names = comparison_inputs(run_a, results_a, run_b, results_b)
    runs = [run.model_copy(update={"models": [m for m, s in sides.items() if s == side]})
            for run, side in ((run_a, "A"), (run_b, "B"))]
    report = build_report(runs, merged, kind="comparison", pairs=pairs,
                          title=f"Run {run_a.id} (A) compared with run {run_b.id} (B)", model_sides=sides,
                          model_names=names, settings=settings)
    return report, merged
