"""``medchat eval``: run suites or data files against models, store every result, write the report.

With no arguments it runs the bundled suites against the offline models (the default job).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from medchat.cli.errors import fail, friendly, run

if TYPE_CHECKING:
    from medchat.evaluation.results import RunInfo, SampleResult
    from medchat.evaluation.stats import MetricSummary


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise typer.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=flag)
        out[key.strip()] = rest.strip()
    return out


def _thresholds(values: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in _pairs(values, "--fail-under").items():
        try:
            out[key] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a number (in {key}={value})", param_hint="--fail-under") \
                from None
    return out


@friendly
def eval_command(
    sources: Annotated[list[str] | None, typer.Argument(
        help="Bundled suites (medical-qa, safety, mcq, conversations) or data files (JSONL, CSV, MedQA, MedMCQA, "
             "MMLU, PubMedQA, HealthBench, MedQuAD XML). None: the default job.", show_default=False)] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to evaluate (repeat for several). replay/FILE scores recorded answers.",
        show_default=False)] = None,
    solver: Annotated[str | None, typer.Option(help="direct | assistant | mcq | cot \\[default: per suite]")] = None,
    scorer: Annotated[list[str] | None, typer.Option("--scorer", help="Scorer (repeat) \\[default: per suite]",
                                                     show_default=False)] = None,
    judge: Annotated[str | None, typer.Option(help="Judge model for rubric and faithfulness scorers "
                                              "\\[default: builtin/smollm2]")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight per model.")] = 4,
    limit: Annotated[int | None, typer.Option(min=1, help="Samples per suite or file \\[default: all; the "
                                              "default job uses each suite's own]")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Times each sample is asked.")] = 1,
    seed: Annotated[int | None, typer.Option(help="Seed for sampling and for --limit's random pick.")] = None,
    budget: Annotated[float | None, typer.Option("--budget", min=0.0, help="Stop starting new samples once the "
                                                 "answers cost this many US dollars.")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", min=1, help="Answer length cap.")] = 160,
    temperature: Annotated[float | None, typer.Option(min=0.0, max=2.0)] = None,
    data_format: Annotated[str | None, typer.Option("--format", help="Format of the data files \\[default: "
                                                    "detected]")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="FIELD=COLUMN for generic JSONL/CSV (repeat), e.g. --map input=question",
        show_default=False)] = None,
    resume: Annotated[str | None, typer.Option(help="Finish a stored run (id, unique prefix or 'latest').")] = None,
    fail_under: Annotated[list[str] | None, typer.Option(
        "--fail-under", help="METRIC=VALUE: exit 2 if any model's mean is below (repeat), e.g. choice=0.5",
        show_default=False)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML report path \\[default: "
                                                "<data_dir>/reports/<run>.html]")] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Do not write the HTML report.")] = False,
) -> None:
    from medchat.evaluation.plan import DEFAULT_MODELS, EvalPlan
    from medchat.evaluation.suites import DEFAULT_SUITES, SUITES

    thresholds = _thresholds(fail_under or [])
    plan = None
    if resume is None:
        default_job = not sources
        chosen = list(sources or DEFAULT_SUITES)
        plan = EvalPlan(
            sources=chosen, models=list(model or DEFAULT_MODELS), solver=solver, scorers=scorer, judge=judge,
            limit=limit, limits={s: SUITES[s].default_limit for s in chosen
                                 if default_job and limit is None and SUITES[s].default_limit},
            epochs=epochs, seed=seed, concurrency=concurrency, budget_usd=budget or None, max_tokens=max_tokens,
            temperature=temperature, format=data_format, mapping=_pairs(mapping or [], "--map"))
    elif sources or model:
        raise typer.BadParameter("a resumed run keeps its own suites and models; drop them or --resume",
                                 param_hint="--resume")
    info, results = run(_run_with_progress(plan, resume))
    summaries = metric_summaries(results)
    print_summary(info, summaries)
    if not no_report:
        from medchat.evaluation.report import write_report

        path = write_report(info, results, output or report_path(info.id, "html"))
        typer.echo(f"report: {path}")
    if info.status == "over_budget":
        typer.echo(f"stopped at the budget; finish with: medchat eval --resume {info.id}", err=True)
    failures = _check_thresholds(summaries, thresholds)
    if failures:
        raise fail("below --fail-under: " + "; ".join(failures), code=2)


async def _run_with_progress(plan: object, resume: str | None) -> tuple[RunInfo, list[SampleResult]]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from medchat.evaluation.evaluate import evaluate, open_run_store
    from medchat.evaluation.runner import RunProgress

    console = Console(stderr=True)
    store = open_run_store()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[errors]} errors"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console) as bar:
        bars: dict[str, int] = {}

        def on_run(info: RunInfo) -> None:
            verb = "resuming" if resume else "run"
            console.print(f"{verb} [bold]{info.id}[/]: {', '.join(info.tasks)} × {', '.join(info.models)} "
                          f"({info.done}/{info.planned} done)", highlight=False, soft_wrap=True)

        def on_start(model: str, total: int) -> None:
            bars[model] = bar.add_task(model, total=total, errors=0)

        def on_result(result: SampleResult) -> None:
            task = bars[result.model]
            if result.error:
                bar.tasks[task].fields["errors"] += 1
            bar.advance(task)

        info = await evaluate(plan, resume=resume, store=store, on_run=on_run,  # type: ignore[arg-type]
                              progress=RunProgress(on_start=on_start, on_result=on_result))
    return info, store.results(info.id)


Summaries = dict[tuple[str, str], dict[str, "MetricSummary"]]


def report_path(stem: str, suffix: str) -> Path:
    """Where a report goes unless ``-o`` says otherwise: ``<data_dir>/reports/<stem>.<suffix>``."""
    from medchat.config import get_settings

    return get_settings().data_dir / "reports" / f"{stem}.{suffix}"


def metric_summaries(results: list[SampleResult]) -> Summaries:
    """Every metric per (task, model): the mean over samples (epochs averaged first) with its 95 % CI."""
    from medchat.evaluation.stats import summarize

    out: dict[tuple[str, str], dict[str, MetricSummary]] = {}
    for summary in summarize(results):
        if summary.tag is None and summary.mean is not None:
            out.setdefault((summary.task, summary.model), {})[summary.metric] = summary
    return out


def _check_thresholds(summaries: Summaries, thresholds: dict[str, float]) -> list[str]:
    failures: list[str] = []
    means = {key: {name: float(summary.mean or 0.0) for name, summary in values.items()}
             for key, values in summaries.items()}
    for metric, minimum in thresholds.items():
        found = [(key, values[metric]) for key, values in means.items() if metric in values]
        if not found:
            failures.append(f"no results for metric {metric!r}")
        failures += [f"{model} on {task}: {metric} {value:.3f} < {minimum:g}"
                     for (task, model), value in found if value < minimum]
    return failures


def print_summary(info: RunInfo, summaries: Summaries) -> None:
    """One table per suite: a row per metric, a column per model (models are few, metrics many)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # piped output: no wrapping of model names
    for task in info.tasks:
        models = [model for model in info.models if (task, model) in summaries]
        if not models:
            continue
        table = Table(title=f"{task} (mean, 95 % CI)", title_justify="left")
        table.add_column("metric")
        for model in models:
            table.add_column(model, justify="right")
        for name in _headline(sorted({name for model in models for name in summaries[(task, model)]})):
            table.add_row(name.removeprefix("performance."),
                          *(_cell(summaries[(task, m)].get(name)) for m in models))
        console.print(table)
    errors = f", {info.errors} errors" if info.errors else ""
    console.print(f"run {info.id}: {info.status}, {info.done}/{info.planned} results{errors}", highlight=False)


def _cell(summary: MetricSummary | None) -> str:
    if summary is None or summary.mean is None:
        return "–"
    if summary.ci_low is None or summary.ci_high is None:
        return f"{summary.mean:.3f}"
    return f"{summary.mean:.3f} [{summary.ci_low:.2f}–{summary.ci_high:.2f}]"


def _headline(names: list[str]) -> list[str]:
    """Quality metrics first, then latency and cost; the other performance numbers stay in the report."""
    shown = {"performance.latency_s", "performance.ttft_s", "performance.cost_usd"}
    return [n for n in names if not n.startswith("performance.")] + [n for n in names if n in shown]
