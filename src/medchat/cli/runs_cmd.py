"""``medchat runs`` and ``medchat report``: look at stored evaluation runs and write their reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from medchat.cli.errors import friendly
from medchat.cli.judge_cmd import with_agreement

app = typer.Typer(help="Stored evaluation runs.", no_args_is_help=True)


@app.command("list", help="The newest runs first: id, status, progress, suites and models. A run whose "
                          "process died shows as interrupted; one with samples never asked (after "
                          "--retry-errors) as incomplete.")
@friendly
def list_runs(limit: Annotated[int, typer.Option(min=1, help="How many to show.")] = 20) -> None:
    from rich.console import Console
    from rich.table import Table

    from medchat.evaluation.evaluate import open_run_store

    runs = open_run_store().list_runs(limit)
    if not runs:
        typer.echo("no runs yet: try `medchat eval`")
        return
    console = Console()
    if not console.is_terminal:  # piped: one tab-separated line per run, for scripts
        for info in runs:
            typer.echo("\t".join([info.id, f"{info.created_at:%Y-%m-%d %H:%M}", info.status,
                                  f"{info.done}/{info.planned}", str(info.errors), f"{info.cost_usd:.4f}",
                                  ",".join(info.tasks), ",".join(info.models)]))
        return
    table = Table()
    for column in ("run", "created", "status", "done", "errors", "cost $", "suites", "models"):
        table.add_column(column, justify="right" if column in ("done", "errors", "cost $") else "left")
    for info in runs:
        table.add_row(info.id, f"{info.created_at:%Y-%m-%d %H:%M}", info.status, f"{info.done}/{info.planned}",
                      str(info.errors), f"{info.cost_usd:.4f}", ", ".join(info.tasks), ", ".join(info.models))
    console.print(table)


@app.command("show", help="One run: its plan, the mean of every metric per suite and model, and how many answers "
                          "fallback models gave (per model and reason), if any.")
@friendly
@with_agreement
def show(run_id: Annotated[str, typer.Argument(help="Run id, unique prefix, or 'latest'.")]) -> None:
    from medchat.cli.eval_cmd import (
        error_advice,
        jury_summaries,
        metric_summaries,
        next_step,
        print_fallbacks,
        print_summary,
    )
    from medchat.evaluation.evaluate import open_run_store

    store = open_run_store()
    info = store.get_run(run_id)
    plan = info.config.get("plan", {})
    typer.echo(f"run {info.id} · created {info.created_at:%Y-%m-%d %H:%M} UTC · {info.status}")
    for key in ("sources", "models", "solver", "scorers", "judge", "judges", "limit", "epochs", "seed", "max_tokens"):
        if plan.get(key) not in (None, [], {}):
            typer.echo(f"  {key}: {plan[key]}")
    results = store.results(info.id)
    print_summary(info, metric_summaries(results), juries=jury_summaries(results))
    print_fallbacks(results)
    if step := next_step(info):
        typer.echo(step)
    if info.errors and info.status != "running":
        typer.echo(f"{info.errors} samples ended in an error; {error_advice(results, info.id)}")


@app.command("delete", help="Delete a run and all its results.")
@friendly
def delete(run_id: Annotated[str, typer.Argument(help="Run id or unique prefix.")],
           yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False) -> None:
    from medchat.evaluation.evaluate import open_run_store

    store = open_run_store()
    info = store.get_run(run_id)
    if not yes:
        typer.confirm(f"delete run {info.id} ({info.done} results)?", abort=True)
    store.delete_run(info.id)
    typer.echo(f"deleted {info.id}")


@friendly
@with_agreement
def report(
    runs: Annotated[list[str], typer.Argument(help="RUN, or: compare RUN_A RUN_B", show_default=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write \\[default: "
                                                "<data_dir>/reports/<run>.<format>]")] = None,
    fmt: Annotated[Literal["html", "json", "csv"], typer.Option("--format", "-f", help="html, json or csv.")] = "html",
) -> None:
    from medchat.cli.eval_cmd import report_path
    from medchat.evaluation import report as reports
    from medchat.evaluation.evaluate import open_run_store

    store = open_run_store()
    if runs[0] == "compare":
        if len(runs) != 3:
            raise typer.BadParameter("compare needs two runs: medchat report compare RUN_A RUN_B", param_hint="RUNS")
        if fmt != "html":
            raise typer.BadParameter("a comparison is written as HTML", param_hint="--format")
        a, b = store.get_run(runs[1]), store.get_run(runs[2])
        path = output or report_path(f"compare-{a.id}-{b.id}", "html")
        reports.write_comparison(a, store.results(a.id), b, store.results(b.id), path)
    else:
        if len(runs) != 1:
            raise typer.BadParameter("give one run (or: compare RUN_A RUN_B)", param_hint="RUNS")
        info = store.get_run(runs[0])
        path = output or report_path(info.id, fmt)
        results = store.results(info.id)
        if fmt == "csv":
            reports.export_csv(results, path)
        else:
            (reports.write_report if fmt == "html" else reports.export_json)(info, results, path)
    typer.echo(str(path))
