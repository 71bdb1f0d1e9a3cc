"""``medchat eval``: run suites or data files against models, store every result, write the report.

With no arguments it runs the bundled suites against the offline models (the default job).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medchat.cli.errors import fail, friendly, run
from medchat.cli.judge_cmd import with_agreement

if TYPE_CHECKING:
    from medchat.evaluation.judges.jury_stats import JurySummary
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
@with_agreement
def eval_command(
    context: typer.Context,
    sources: Annotated[list[str] | None, typer.Argument(
        help="Bundled suites (medical-qa, safety, mcq, conversations) or data files (JSONL, CSV, MedQA, MedMCQA, "
             "MMLU, PubMedQA, HealthBench, MedQuAD XML). None: the default job.", show_default=False)] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="Model to evaluate (repeat for several). replay/FILE scores recorded answers.",
        show_default=False)] = None,
    solver: Annotated[str | None, typer.Option(help="direct | assistant | mcq | cot \\[default: per suite]")] = None,
    scorer: Annotated[list[str] | None, typer.Option("--scorer", help="Scorer (repeat) \\[default: per suite]",
                                                     show_default=False)] = None,
    judge: Annotated[list[str] | None, typer.Option(
        "--judge", help="Judge model for rubric and faithfulness scorers; repeat for a jury (each criterion by the "
                        "judges' majority, every judge's mean and their agreement α shown) \\[default: "
                        "builtin/smollm2; too small to discriminate, so the default job leaves judge scoring out "
                        "unless it is named]", show_default=False)] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight per model (also with --resume or "
                                             "--retry-errors, which keep every other option of the run).")] = 4,
    limit: Annotated[int | None, typer.Option(min=1, help="Samples per suite or file \\[default: all; the "
                                              "default job uses each suite's own]")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Times each sample is asked.")] = 1,
    seed: Annotated[int | None, typer.Option(help="Seed for sampling and for --limit's random pick.")] = None,
    budget: Annotated[float | None, typer.Option("--budget", min=0.0, help="Stop starting new samples once the "
                                                 "answers cost this many US dollars (with --resume: the run's "
                                                 "new budget; 0: none).")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", min=1, help="Answer length cap.")] = 160,
    temperature: Annotated[float | None, typer.Option(min=0.0, max=2.0)] = None,
    data_format: Annotated[str | None, typer.Option("--format", help="Format of the data files: jsonl, csv, "
                                                    "samples, medqa, medmcqa, medmcqa-hf (cop counting from 0), mmlu, "
                                                    "pubmedqa, healthbench, medquad \\[default: detected]")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="FIELD=COLUMN for generic JSONL/CSV (repeat), e.g. --map input=question",
        show_default=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on the first invalid record of a data file "
                                         "instead of skipping it with a warning.")] = False,
    resume: Annotated[str | None, typer.Option(help="Finish a stored run (id, unique prefix or 'latest'): its "
                                               "missing samples and, again, its errored ones.")] = None,
    retry_errors: Annotated[str | None, typer.Option(
        "--retry-errors", help="Ask only the errored samples of a stored run again (id, unique prefix or 'latest'), "
                               "then rewrite its report.", show_default=False)] = None,
    fail_under: Annotated[list[str] | None, typer.Option(
        "--fail-under", help="METRIC=VALUE: exit 2 if any model's mean is below (repeat), e.g. choice=0.5",
        show_default=False)] = None,
    max_errors: Annotated[str, typer.Option(
        "--max-errors", help="N or P%: exit 3 (after the report) if more samples than that end in an error.")] = "0",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML report path \\[default: "
                                                "<data_dir>/reports/<run>.html]")] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Do not write the HTML report.")] = False,
) -> None:
    from medchat.evaluation.plan import DEFAULT_MODELS, EvalPlan, without_weak_judge
    from medchat.evaluation.suites import DEFAULT_SUITES, SUITES

    thresholds = _thresholds(fail_under or [])
    error_budget = _error_budget(max_errors)
    if resume is not None and retry_errors is not None:
        raise typer.BadParameter("give --resume or --retry-errors, not both", param_hint="--retry-errors")
    stored = resume or retry_errors
    plan = None
    if stored is None:
        default_job = not sources
        chosen = list(sources or DEFAULT_SUITES)
        plan = EvalPlan(
            sources=chosen, models=list(model or DEFAULT_MODELS), solver=solver, scorers=scorer,
            judge=judge[0] if judge else None, judges=list(dict.fromkeys(judge)) if judge and len(judge) > 1 else [],
            limit=limit, limits={s: SUITES[s].default_limit for s in chosen
                                 if default_job and limit is None and SUITES[s].default_limit},
            epochs=epochs, seed=seed, concurrency=concurrency, budget_usd=budget or None, max_tokens=max_tokens,
            temperature=temperature, format=data_format, mapping=_pairs(mapping or [], "--map"), strict=strict)
        if default_job:
            plan = without_weak_judge(plan)
    changes: dict[str, object] = {}
    if stored is not None:
        flag = "--resume" if resume is not None else "--retry-errors"
        if sources or model:
            raise typer.BadParameter(f"the stored run keeps its own suites and models; drop them or {flag}",
                                     param_hint=flag)
        if kept := _given(context, KEPT_BY_A_STORED_RUN):
            raise typer.BadParameter(f"the stored run keeps its own {', '.join(kept)}; drop them (a stored run "
                                     "takes only --concurrency and --budget anew)", param_hint=flag)
        given = _given(context, {"concurrency": "--concurrency", "budget": "--budget"})
        if "--concurrency" in given:
            changes["concurrency"] = concurrency
        if "--budget" in given:  # an over-budget run goes on with a larger one (0: none)
            changes["budget_usd"] = budget or None
    info, results = run(_run_with_progress(plan, stored, retry_errors=retry_errors is not None, changes=changes))
    summaries = metric_summaries(results)
    print_summary(info, summaries, juries=jury_summaries(results))
    print_fallbacks(results)
    if not no_report:
        from medchat.evaluation.report import write_report

        path = write_report(info, results, output or report_path(info.id, "html"))
        typer.echo(f"report: {path}")
    if step := next_step(info):
        typer.echo(step, err=True)
    failures = _check_thresholds(summaries, thresholds)
    too_many = _too_many_errors(info, error_budget, max_errors, results)
    if too_many:
        if failures:
            fail("below --fail-under: " + "; ".join(failures), code=2)  # said too, but the errors decide the code
        raise fail(too_many, code=3)
    if failures:
        raise fail("below --fail-under: " + "; ".join(failures), code=2)


def _error_budget(value: str) -> tuple[float, bool]:
    """``--max-errors``: ``(count, False)`` for ``N``, ``(percent, True)`` for ``P%``."""
    text = value.strip()
    percent = text.endswith("%")
    try:
        number = float(text.removesuffix("%")) if percent else int(text)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a count or a percentage, e.g. 5 or 2.5%",
                                 param_hint="--max-errors") from None
    if number < 0 or (percent and number > 100):
        raise typer.BadParameter(f"{value!r} is out of range", param_hint="--max-errors")
    return number, percent


def _too_many_errors(info: RunInfo, budget: tuple[float, bool], spelled: str, results: list[SampleResult]
                     ) -> str | None:
    """One line naming the errors and what to do about them, when there are more than ``--max-errors``."""
    number, percent = budget
    allowed = info.planned * number / 100 if percent else number
    if info.errors <= allowed:
        return None
    share = f" ({100 * info.errors / info.planned:.1f} %)" if info.planned else ""
    return (f"{info.errors} of {info.planned} samples ended in an error{share}, more than --max-errors "
            f"{spelled.strip()}; {error_advice(results, info.id)}")


def fallback_lines(results: list[SampleResult]) -> list[str]:
    """``openai/gpt-4o-mini: 3 (rate_limited 2, timeout 1)``: a line per model a fallback model answered for
    (``Output.fallback``): how many of its answers, and why it was passed over; none when no fallback answered."""
    from medchat.evaluation.stats import describe_fallbacks, fallback_counts

    return [f"{model}: {describe_fallbacks(reasons)}" for model, reasons in fallback_counts(results).items()]


def print_fallbacks(results: list[SampleResult]) -> None:
    """The answers fallback models gave instead of the models asked, per model and reason (nothing when none)."""
    for line in fallback_lines(results):
        typer.echo(f"answered by a fallback: {line}")


def error_advice(results: list[SampleResult], run_id: str) -> str:
    """What to do about a run's errors, worded from what they were: ask them again where another try may
    answer (a timeout, a 429, a 5xx); where none may (a rejected key or request, a wrong base_url), the cause
    to fix first. One line."""
    from collections import Counter

    errored = [r for r in results if r.error]
    lasting = [" ".join((r.error or "").split()) for r in errored if r.error_retryable is False]
    again = f"medchat eval --retry-errors {run_id}"
    if not lasting:  # all temporary (or stored before the kind was kept)
        return f"ask them again with: {again}"
    causes = Counter(lasting)
    cause = causes.most_common(1)[0][0]
    cause = ("e.g. " if len(causes) > 1 else "") + (cause if len(cause) <= 160 else cause[:159] + "…")
    if len(lasting) == len(errored):
        return f"another try would fail the same ({cause}); fix that, then ask them again with: {again}"
    return (f"{len(errored) - len(lasting)} may pass on another try, {len(lasting)} would fail the same "
            f"({cause}); ask them again with: {again}")


def next_step(info: RunInfo) -> str | None:
    """How to finish a run that stopped short, worded from why it did; ``None`` for a finished or running one."""
    if info.status == "over_budget":
        budget = (info.config.get("plan") or {}).get("budget_usd")
        spent = f"${info.cost_usd:.4f} spent" + (f" of its ${budget:g} budget" if budget else "")
        return (f"stopped at its budget ({spent}); finish it with a larger one: "
                f"medchat eval --resume {info.id} --budget USD")
    if info.status == "incomplete":
        return (f"{info.planned - info.done} of {info.planned} samples were never asked; finish it with: "
                f"medchat eval --resume {info.id}")
    if info.status in ("interrupted", "failed"):
        why = "its process stopped" if info.status == "interrupted" else "it failed"
        return f"{why} before the end; finish it with: medchat eval --resume {info.id}"
    return None


# What a stored run's plan decides, so --resume and --retry-errors refuse them rather than ignore them;
# --concurrency and --budget apply anew (and are stored with the run).
KEPT_BY_A_STORED_RUN = {"solver": "--solver", "scorer": "--scorer", "judge": "--judge", "limit": "--limit",
                        "epochs": "--epochs", "seed": "--seed", "max_tokens": "--max-tokens",
                        "temperature": "--temperature", "data_format": "--format", "mapping": "--map",
                        "strict": "--strict"}


def _given(context: typer.Context, options: dict[str, str]) -> list[str]:
    """The flags of ``options`` (parameter name -> flag) given on the command line, even at their defaults."""
    sources = {name: context.get_parameter_source(name) for name in options}
    return [flag for name, flag in options.items()
            if sources[name] is not None and sources[name].name not in ("DEFAULT", "DEFAULT_MAP")]


async def _run_with_progress(plan: object, resume: str | None, *, retry_errors: bool = False,
                             changes: dict[str, object] | None = None) -> tuple[RunInfo, list[SampleResult]]:
    from rich.console import Console
    from rich.markup import escape
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
            verb = "retrying the errors of" if retry_errors else "resuming" if resume else "run"
            errors = f", {info.errors} errors" if info.errors else ""
            console.print(f"{verb} [bold]{info.id}[/]: {', '.join(info.tasks)} × {', '.join(info.models)} "
                          f"({info.done}/{info.planned} done{errors})", highlight=False, soft_wrap=True)
            for source, why in (info.config.get("plan") or {}).get("left_out", {}).items():
                console.print(f"left out: {source} ({why})", markup=False, highlight=False, soft_wrap=True)

        def on_notice(line: str) -> None:  # a file's skipped records or loader notes, before the run starts
            console.print(f"[yellow]warning:[/] {escape(line)}", highlight=False, soft_wrap=True)

        def on_start(model: str, total: int) -> None:
            bars[model] = bar.add_task(model, total=total, errors=0)

        def on_result(result: SampleResult) -> None:
            task = bars[result.model]
            if result.error:
                bar.tasks[task].fields["errors"] += 1
            bar.advance(task)

        info = await evaluate(plan, resume=resume, store=store, on_run=on_run,  # type: ignore[arg-type]
                              progress=RunProgress(on_start=on_start, on_result=on_result, on_notice=on_notice),
                              retry_errors=retry_errors, changes=changes)
    return info, store.results(info.id)


Summaries = dict[tuple[str, str], dict[str, "MetricSummary"]]


def report_path(stem: str, suffix: str) -> Path:
    """Where a report goes unless ``-o`` says otherwise: ``<data_dir>/reports/<stem>.<suffix>``."""
    from medchat.config import get_settings

    return get_settings().data_dir / "reports" / f"{stem}.{suffix}"


def metric_summaries(results: list[SampleResult]) -> Summaries:
    """Every metric per (task, model): ``evaluation.stats.metric_summaries`` (imported on use: numpy)."""
    from medchat.evaluation.stats import metric_summaries as summaries

    return summaries(results)


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


def jury_summaries(results: list[SampleResult]) -> list[JurySummary]:
    """The jury-graded metrics' per-judge means and agreement (``judges.jury_stats``; numpy, imported on use)."""
    from medchat.evaluation.judges.jury_stats import jury_summaries as summaries

    return summaries(results)


def print_summary(info: RunInfo, summaries: Summaries, juries: list[JurySummary] | None = None) -> None:
    """One table per suite: a row per metric, a column per model (models are few, metrics many), and with
    several models a last column saying whether the metric separates them at all (``stats.separation``).
    A metric graded by a judge ``judges.trust`` does not trust carries its caveat; suites the run left
    out are listed with the reason, and what loading a file skipped or decided as a warning. A metric a jury
    graded gets a row per judge (its own mean per model) under the jury's, and the judges' α."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from medchat.evaluation.judges.trust import judge_caveat
    from medchat.evaluation.stats import separation

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # piped output: no wrapping of model names
    for task in info.tasks:
        models = [model for model in info.models if (task, model) in summaries]
        if not models:
            continue
        table = Table(title=f"{task} (mean, 95 % CI)", title_justify="left", caption_justify="left")
        panels = {j.metric: j for j in juries or () if j.task == task}
        table.add_column("metric")
        for model in models:
            table.add_column(model, justify="right")
        if len(models) > 1:
            table.add_column("separates them?")
        rows = {name: [s for m in models if (s := summaries[(task, m)].get(name)) is not None]
                for name in _headline(sorted({name for model in models for name in summaries[(task, model)]}))}
        fixed = {name: found[0].mean for name, found in rows.items()  # cost 0 for local models, 1 attempt each
                 if name.startswith("performance.") and len(found) == len(models) and _constant(found)}
        if fixed.get("performance.attempts") == 1 and "performance.e2e_s" in rows:
            rows.pop("performance.e2e_s")  # nothing was retried: end to end is the latency again
        if fixed:
            table.caption = "the same for every answer of every model, not shown: " + ", ".join(
                f"{name.removeprefix('performance.')} {value:g}" for name, value in fixed.items())
            rows = {name: found for name, found in rows.items() if name not in fixed}
        for name, found in rows.items():
            label = Text(name.removeprefix("performance."))
            if caveat := judge_caveat(j for s in found for j in s.judges):
                label.append(f"\n⚠ {caveat}", style="yellow")
            cells = [_cell(summaries[(task, m)].get(name)) for m in models]
            if len(models) > 1:
                cells.append(separation(found).marker)
            table.add_row(label, *cells)
            if (jury := panels.get(name)) is not None:
                _jury_rows(table, jury, models)
        console.print(table)
    for source, why in (info.config.get("plan") or {}).get("left_out", {}).items():
        console.print(f"left out: {source} ({why})", highlight=False, markup=False)
    for summary in info.loading().values():
        for line in summary.lines():
            console.print(f"warning: {line}", highlight=False, markup=False, soft_wrap=True)
    errors = f", {info.errors} errors" if info.errors else ""
    console.print(f"run {info.id}: {info.status}, {info.done}/{info.planned} results{errors}", highlight=False)


def _jury_rows(table: Any, jury: JurySummary, models: list[str]) -> None:
    """Under a jury's metric: each judge's mean per model, then the judges' agreement."""
    for judge in jury.judges:
        cells = [f"{v:.3f}" if (v := jury.means.get(m, {}).get(judge)) is not None else "–" for m in models]
        table.add_row(f"  ↳ judge {judge}", *cells, *([""] if len(models) > 1 else []))
    lost = f", {jury.failed} verdicts missing" if jury.failed else ""
    table.add_row(f"  ↳ judges' agreement α={jury.alpha.text()} over {jury.answers} answers{lost}", *[""] * len(models),
                  *([""] if len(models) > 1 else []))


def _constant(summaries: list[MetricSummary]) -> bool:
    """Every answer of every model had the same value (a measurement that cannot differ here)."""
    values = {v for s in summaries for v in (s.min, s.max, s.mean)}
    return len(values) == 1 and None not in values


def _cell(summary: MetricSummary | None) -> str:
    if summary is None or summary.mean is None:
        return "–"
    if summary.ci_low is None or summary.ci_high is None:
        return f"{summary.mean:.3f}"
    return f"{summary.mean:.3f} [{summary.ci_low:.2f}–{summary.ci_high:.2f}]"


def _headline(names: list[str]) -> list[str]:
    """Quality metrics first, then latency and cost; the other performance numbers stay in the report."""
    shown = {"performance.latency_s", "performance.ttft_s", "performance.e2e_s", "performance.attempts",
             "performance.cost_usd"}
    return [n for n in names if not n.startswith("performance.")] + [n for n in names if n in shown]
