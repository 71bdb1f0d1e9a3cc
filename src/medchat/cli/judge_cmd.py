"""``medchat judge``: measure how far a judge agrees with people (``calibrate``), and list what was measured."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from medchat.cli.errors import friendly, run

if TYPE_CHECKING:
    from medchat.evaluation.judges.agreement import Agreement, Interval
    from medchat.evaluation.judges.calibrate import Calibration

app = typer.Typer(help="Judges: calibrate one against human labels, list stored calibrations.", no_args_is_help=True)

P = ParamSpec("P")
T = TypeVar("T")


def with_agreement(command: Callable[P, T]) -> Callable[P, T]:
    """Decorate a command that prints or writes reports: judge-graded scores then show each judge's measured
    agreement (``judges.trust.reporting_agreement``), or "judge not calibrated"."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        from medchat.evaluation.judges.trust import reporting_agreement

        with reporting_agreement():
            return command(*args, **kwargs)

    return wrapper


def _store():  # type: ignore[no-untyped-def]
    from medchat.config import get_settings
    from medchat.storage import open_database
    from medchat.storage.calibrations import CalibrationStore

    return CalibrationStore(open_database(get_settings()))


@app.command(help="Ask a judge about items people labelled and print its agreement with them (κ, accuracy, "
                  "macro-F1 with 95 % CIs). Formats: pairwise (Chatbot Arena / MT-Bench battles), rubric "
                  "(HealthBench meta-eval), facts (HaluEval 2.0); see docs/judges.md. Verdicts are stored as they "
                  "arrive, so a re-run resumes.")
@friendly
def calibrate(
    labels: Annotated[list[Path], typer.Argument(help="Label files (JSONL or JSON arrays), one format.")],
    judge: Annotated[str, typer.Option("--judge", "-j", help="The judge model, or replay/FILE for another "
                                       "system's recorded verdicts.")],
    format: Annotated[str, typer.Option("--format", help="auto, pairwise, rubric or facts.")] = "auto",
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Judge each item N times, to measure judge "
                                         "noise.")] = 1,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N items.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Judge calls at once.")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    store: Annotated[bool, typer.Option("--store/--no-store", help="Keep verdicts and the result in the "
                                        "database.")] = True,
) -> None:
    from medchat.evaluation.judges.calibrate import ModelJudge, calibrate
    from medchat.evaluation.judges.labels import load_labels
    from medchat.evaluation.judges.replay import PREFIX, ReplayJudge

    if judge.startswith(PREFIX) and repeats > 1:
        raise typer.BadParameter("a replay judge has one recorded verdict per item; drop --repeats",
                                 param_hint="--repeats")
    label_set = load_labels(labels, format, limit=limit)
    calibrations = _store() if store else None

    async def go() -> Calibration:
        if judge.startswith(PREFIX):
            grader: Any = ReplayJudge.from_file(judge.removeprefix(PREFIX), label_set.format)
            return await calibrate(label_set, grader, repeats=1, concurrency=concurrency, store=calibrations,
                                   on_progress=progress)
        from medchat.config import get_settings
        from medchat.gateway import get_model
        from medchat.safety.cache_hooks import hooks_for
        from medchat.storage.gateway_stores import gateway_stores

        model = get_model(judge, cache_hooks=hooks_for(judge, get_settings()), stores=gateway_stores())
        try:
            return await calibrate(label_set, ModelJudge(model, label_set.format), repeats=repeats,
                                   concurrency=concurrency, store=calibrations, on_progress=progress)
        finally:
            await model.aclose()

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("judging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task("judging", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        result = run(go())
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    _print(result)


def _print(result: Calibration) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    report = result.agreement
    console.print(f"judge {result.judge} ({result.prompt}) on {result.dataset}: {result.format}, {result.items} items"
                  f", {result.repeats} repeat(s); asked {result.asked}, reused {result.reused}, failed {result.failed}",
                  highlight=False, markup=False)
    table = Table(title="agreement with people (95 % CI)", title_justify="left")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    table.add_column("n", justify="right")
    for name, value in _rows(report):
        table.add_row(name, value.text(), str(value.n))
    console.print(table)
    if report.categories:
        by = Table(title="per category", title_justify="left")
        by.add_column("category")
        by.add_column("accuracy", justify="right")
        by.add_column("κ", justify="right")
        by.add_column("n", justify="right")
        for category, stats in report.categories.items():
            by.add_row(category, stats["accuracy"].text(), stats["kappa"].text(), str(stats["accuracy"].n))
        console.print(by)
    if report.no_majority:
        console.print(f"{report.no_majority} item(s) with evenly split human labels left out of the majority "
                      "comparison", highlight=False, markup=False)
    for line in result.skipped[:10]:
        console.print(f"skipped: {line}", highlight=False, markup=False)


def _rows(report: Agreement) -> list[tuple[str, Interval]]:
    rows = [("Cohen's κ (vs majority)", report.kappa), ("accuracy", report.accuracy), ("macro-F1", report.macro_f1)]
    if report.without_ties and report.without_ties["accuracy"].n:
        rows += [("κ without ties", report.without_ties["kappa"]),
                 ("accuracy without ties", report.without_ties["accuracy"])]
    optional = [("judge vs each human label", report.per_label), ("human vs human", report.human_human),
                ("position consistency", report.position_consistency),
                ("self-consistency (all repeats agree)", report.self_consistency),
                ("Fleiss κ across repeats", report.fleiss_kappa)]
    return rows + [(name, value) for name, value in optional if value is not None]


@app.command(help="Stored calibrations, newest first: judge, prompt, labels, κ with its CI, date.")
@friendly
def calibrations(
    judge: Annotated[str | None, typer.Option("--judge", "-j", help="Only this judge.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    from medchat.evaluation.judges.agreement import Interval

    found = _store().list(judge=judge)
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found], indent=2, ensure_ascii=False))
        return
    if not found:
        typer.echo("no calibrations yet: run `medchat judge calibrate --judge MODEL LABELS.jsonl`")
        return
    for c in found:
        kappa = Interval.model_validate(c.metrics.get("kappa") or {"value": None})
        typer.echo("\t".join([f"{c.created_at:%Y-%m-%d %H:%M}", c.judge, c.prompt, c.format, c.dataset,
                              f"{c.items} items", f"κ {kappa.text()}", c.digest[:12]]))
