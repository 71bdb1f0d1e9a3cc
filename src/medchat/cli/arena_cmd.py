"""``medchat arena``: run battles (``arena SUITE|FILE -m A -m B --judge J``, stored and resumable), import battle
files, list arena runs, and rate models from battles (``arena ratings``: files, stored runs, the chat page's
preferences).

The group routes a first argument that names no subcommand to the ``run`` command, so the battle runner can be
written as ``medchat arena SUITE ...`` while ``ratings`` stays a subcommand (as ``report`` reads ``compare`` as
its first argument). Nothing heavy is imported at module level: numpy loads only when a command runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from typer.core import TyperGroup

from medchat.cli.errors import fail, friendly

if TYPE_CHECKING:
    from medchat.evaluation.arena import Battle, Leaderboard
    from medchat.evaluation.arena.runner import ArenaOutcome, ArenaProgress
    from medchat.storage import Database
    from medchat.storage.battles import ArenaRun, BattleStore

RUN = "run"  # the battle runner's command name: `medchat arena SUITE ...` is `medchat arena run SUITE ...`


class ArenaGroup(TyperGroup):
    """Subcommands by name; any other first argument (a suite, a file, an option such as ``--resume``) goes to the
    ``run`` command."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [RUN, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=ArenaGroup, no_args_is_help=True,
                  help="Compare models two at a time: judge battles, and rate models from them (Bradley–Terry, Elo, "
                       "win rate).")


@app.command(RUN, help="Judge every pair of models on every sample of a suite or data file, each battle asked in both "
                       "orders (a verdict that flips is an inconsistent tie), and print the Bradley–Terry leaderboard. "
                       "Answers are stored as an ordinary eval run, battles as they are judged: --resume ID finishes "
                       "a stopped run, --from-runs reuses stored answers.")
@friendly
def run_battles(
    context: typer.Context,
    sources: Annotated[list[str] | None, typer.Argument(
        metavar="SUITE|FILE", help="Bundled suites or data files, as medchat eval takes them.", show_default=False)
    ] = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="A model to compare (two or more).",
                                                    show_default=False)] = None,
    judge: Annotated[list[str] | None, typer.Option(
        "--judge", "-j", help="The judge model; repeat for a jury (every judge's battles stored, the leaderboard from "
                              "the majority verdict of each battle).", show_default=False)] = None,
    from_runs: Annotated[list[str] | None, typer.Option(
        "--from-runs", metavar="RUN", help="Reuse the answers stored by an eval run (repeat); a model found there is "
                                           "not asked again.", show_default=False)] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Samples per suite or file \\[default: all]")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Answers and battles in flight at once.")] = 4,
    resume: Annotated[str | None, typer.Option(help="Finish a stored arena run (id, unique prefix or 'latest'): "
                                               "only the battles not yet stored are judged.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for --limit's random pick and for sampling.")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", min=1, help="Answer length cap.")] = 160,
    data_format: Annotated[str | None, typer.Option("--data-format", help="Format of the data files, as "
                                                    "medchat eval --format \\[default: detected]")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="OUT.html",
                                                help="Write the arena page (leaderboard, heat map, length bias).")
                      ] = None,
    fmt: Annotated[Literal["table", "json"], typer.Option("--format", "-f", help="table or json (on stdout).")
                   ] = "table",
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap rounds for the intervals (0: none).")] = 1000,
) -> None:
    from medchat.cli.errors import run as run_async
    from medchat.evaluation.arena.runner import ArenaPlan, run_arena

    plan = None
    if resume is not None:
        given = [flag for name, flag in (("sources", "SUITE|FILE"), ("model", "--model"), ("judge", "--judge"),
                                         ("from_runs", "--from-runs"), ("limit", "--limit"), ("seed", "--seed"))
                 if context.params.get(name)]
        if given:
            raise typer.BadParameter(f"the stored arena run keeps its own {', '.join(given)}; drop them",
                                     param_hint="--resume")
    else:
        if len(dict.fromkeys(model or [])) < 2:
            raise typer.BadParameter("give two models or more: -m A -m B", param_hint="--model")
        if not judge:
            raise typer.BadParameter("name the judge: --judge MODEL", param_hint="--judge")
        if not sources and not from_runs:
            raise typer.BadParameter("give a suite or data file, or --from-runs RUN", param_hint="SUITE|FILE")
        judges = list(dict.fromkeys(judge))
        plan = ArenaPlan(sources=list(sources or []), models=list(model or []), judge=judges[0],
                         judges=judges if len(judges) > 1 else [],
                         from_runs=list(from_runs or []), limit=limit, concurrency=concurrency, seed=seed,
                         max_tokens=max_tokens, format=data_format)
    with _arena_progress() as progress:
        outcome = run_async(run_arena(plan, resume=resume, progress=progress))
    _report_run(outcome, fmt=fmt, output=output, bootstrap=bootstrap)
    if outcome.failed:
        raise fail(f"{outcome.failed} battles got no verdict from the judge (e.g. {outcome.failures[0]}); ask them "
                   f"again with: medchat arena --resume {outcome.run.id}", code=3)


@contextmanager
def _arena_progress() -> Iterator[ArenaProgress]:
    """Bars on stderr: one per answering model, then one for the battles."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from medchat.evaluation.arena.runner import ArenaProgress
    from medchat.evaluation.runner import RunProgress

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console)
    bars: dict[str, Any] = {}

    def on_run(run: ArenaRun) -> None:
        console.print(f"arena run [bold]{run.id}[/]: {', '.join(run.models)}, judge {run.judge}")

    def on_start(name: str, total: int) -> None:
        bars[name] = bar.add_task(f"answers: {name}", total=total)

    def on_judging(todo: int, stored: int) -> None:
        if stored:
            console.print(f"{stored} battles already stored")
        bars["battles"] = bar.add_task("battles", total=todo)

    answers = RunProgress(on_start=on_start, on_result=lambda result: bar.advance(bars[result.model]),
                          on_notice=lambda line: console.print(f"warning: {line}", markup=False))
    with bar:
        yield ArenaProgress(on_run=on_run, answers=answers, on_judging=on_judging,
                            on_battle=lambda stored: bar.advance(bars["battles"]))


def _report_run(outcome: ArenaOutcome, *, fmt: str, output: Path | None, bootstrap: int) -> None:
    """The leaderboard, the battles, the judge's position consistency and its trust line."""
    from medchat.evaluation.arena import rate
    from medchat.evaluation.arena.jury import agreement_lines

    store = _battle_store()
    run = outcome.run
    board = rate(list(rated_battles(store, run)), rounds=bootstrap) if run.battles else None
    trust = _trust_line(*(outcome.judges or [run.judge or ""]))
    jury = agreement_lines(outcome.jury) if outcome.jury is not None else []
    share = outcome.position_consistency
    consistency = (f"{share:.1%} of {outcome.judged:,} battles kept their verdict with the answers swapped; the other "
                   f"{outcome.judged - outcome.consistent:,} count as ties") if share is not None else "no battles"
    if fmt == "json":
        import json

        typer.echo(json.dumps({
            "run": run.id, "status": run.status, "judge": {"model": run.judge, "prompt": run.prompt, "trust": trust},
            "leaderboard": [row.columns() for row in board.rows] if board else [],
            "battles": run.battles, "asked": outcome.asked, "reused": outcome.reused, "failed": outcome.failed,
            "skipped": outcome.skipped,
            "position_consistency": {"share": share, "consistent": outcome.consistent, "judged": outcome.judged},
            "jury": outcome.jury.model_dump(mode="json") if outcome.jury is not None else None,
        }, indent=2))
    else:
        from rich.console import Console

        console = Console(highlight=False, soft_wrap=True)
        if board is not None:
            _table(board)
        else:
            console.print("no battles stored: nothing to rate")
        console.print(f"battles: {run.battles:,} stored of {outcome.planned:,} ({outcome.asked:,} judged now, "
                      f"{outcome.reused:,} stored before, {outcome.failed:,} without a verdict)", markup=False)
        for name, count in outcome.skipped.items():
            console.print(f"skipped: {count:,} battles of {name}, which gave no answer there", markup=False)
        console.print(f"position consistency: {consistency}", markup=False)
        for line in jury:
            console.print(line, markup=False)
        console.print(f"judge: {trust}", markup=False)
        console.print(f"arena run {run.id}: {run.status}", markup=False)
    if output is not None and board is None:
        typer.echo(f"{output} not written: no battles to show", err=True)
    elif output is not None and board is not None:
        from medchat.evaluation.report.arena_section import write_arena_page

        note = " · ".join([f"judge: {trust}", f"position consistency: {consistency}", *jury])
        path = write_arena_page(board, output, title="Arena", sources=[f"arena run {run.id}"], judge=note)
        typer.echo(f"wrote {path}", err=True)


def _trust_line(*judges: str) -> str:
    """``agreement κ=… on … (judge)``, or ``judge not calibrated (judge)``, with a weak judge's caveat first; for a
    jury, one such note per judge."""
    from medchat.evaluation.judges.trust import StoredCalibrations, agreement_note

    return agreement_note(judges, StoredCalibrations(database=_database())) or ""


def rated_battles(store: BattleStore, run: ArenaRun, judge: str | None = None) -> Iterator[Battle]:
    """A stored run's battles to rate: ``judge``'s alone when named; the jury's verdicts (one per sample and pair)
    when several judges judged the run; else every battle."""
    from medchat.evaluation.arena.jury import judges_of, jury_battles
    from medchat.evaluation.arena.stored import stored_battles, to_battle

    jury = set((run.config.get("plan") or {}).get("judges") or [])
    if judge is None and (run.kind != "judged" or len(jury) < 2):
        return stored_battles(store, [run.id])  # streamed: an imported run may hold millions
    stored = store.list(run.id)
    if judge is not None:
        if judge not in (found := judges_of(stored)):
            raise typer.BadParameter(f"no battles of judge {judge!r} in arena run {run.id} (its judges: "
                                     f"{', '.join(found) or 'none'})", param_hint="--judge")
        stored = [b for b in stored if b.judge == judge]
    else:
        stored = jury_battles(stored)
    return (to_battle(b) for b in stored)


def _database() -> Database:
    from medchat.config import get_settings
    from medchat.storage import open_database

    return open_database(get_settings())


def _battle_store() -> BattleStore:
    from medchat.storage.battles import BattleStore

    return BattleStore(_database())


@app.command("import", help="Store battle files (Chatbot-Arena JSONL: model_a, model_b, winner; people's or other "
                            "judges' verdicts) as arena runs, to rate with the others: medchat arena ratings --run ID. "
                            "Importing a file again stores nothing twice.")
@friendly
def import_battles(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="JSONL battle files.", show_default=False)],
) -> None:
    from medchat.evaluation.arena.stored import import_file

    store = _battle_store()
    for path in files:
        done = import_file(store, path)
        again = f" ({done.already:,} already stored)" if done.already else ""
        typer.echo(f"{path}: {done.added:,} battles stored in arena run {done.run_id}{again}")


@app.command("runs", help="List the stored arena runs, newest first.")
@friendly
def list_runs(limit: Annotated[int, typer.Option(min=1, help="How many.")] = 50) -> None:
    for run in _battle_store().list_runs(limit):
        source = run.judge or run.source or ""
        typer.echo(f"{run.id}\t{run.kind}\t{run.status}\t{run.battles}/{run.planned} battles\t{source}\t"
                   + ", ".join(run.models))


@app.command("ratings", help="Rate models from battle files (Chatbot-Arena JSONL: model_a, model_b, winner), stored "
                             "arena runs (--run) or the chat page's compare-mode verdicts (--human): Bradley–Terry "
                             "with 95 % bootstrap intervals by default, as FastChat computes them.")
@friendly
def ratings(
    battles: Annotated[list[Path] | None, typer.Argument(metavar="BATTLES", help="JSONL battle files.",
                                                         show_default=False)] = None,
    runs: Annotated[list[str] | None, typer.Option("--run", metavar="ID", help="A stored arena run's battles (id, "
                                                   "unique prefix or 'latest'; repeat).", show_default=False)] = None,
    human: Annotated[bool, typer.Option("--human", help="The chat page's compare-mode verdicts, as battles judged "
                                        "by people.")] = False,
    judge: Annotated[str | None, typer.Option("--judge", "-j", metavar="MODEL", help="With --run: only this judge's "
                                              "battles (a run judged by a jury is rated by the jury's verdicts "
                                              "otherwise).", show_default=False)] = None,
    fmt: Annotated[Literal["table", "json", "csv"], typer.Option("--format", "-f",
                                                                 help="table, json or csv (on stdout).")] = "table",
    anchor: Annotated[str | None, typer.Option(metavar="MODEL=RATING",
                                               help="Fix one model's rating (default: ratings average 1000).")] = None,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap rounds for the intervals (0: none).")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    method: Annotated[str, typer.Option(help="bt (Bradley–Terry), elo (online, K = 4) or win_rate.")] = "bt",
    html: Annotated[Path | None, typer.Option(metavar="OUT.html", help="Also write a standalone HTML page.")] = None,
) -> None:
    from medchat.evaluation.arena import BattleTable, method_names, rate

    if method not in method_names():
        raise typer.BadParameter(f"unknown method {method!r}; choose one of: {', '.join(method_names())}",
                                 param_hint="--method")
    fixed = _anchor(anchor)
    if not battles and not runs and not human:
        raise typer.BadParameter("give battle files, --run ID or --human", param_hint="BATTLES")
    if judge is not None and not runs:
        raise typer.BadParameter("--judge picks one judge's battles of a stored run: give --run ID too",
                                 param_hint="--judge")
    with _progress() as progress:
        reading = progress.add_task("reading battles", total=None)
        found = _sources(battles or [], runs or [], human, judge)
        table = BattleTable.from_battles(_counted(found, lambda n: progress.update(reading, completed=n)))
        progress.remove_task(reading)
        rounds = progress.add_task(f"bootstrap ({method})", total=bootstrap, visible=bootstrap > 0)
        board = rate(table, method=method, anchor=fixed, rounds=bootstrap, seed=seed,
                     progress=lambda done, total: progress.update(rounds, completed=done))
    if fmt == "json":
        import json

        typer.echo(json.dumps([row.columns() for row in board.rows], indent=2))
    elif fmt == "csv":
        _csv(board)
    else:
        _table(board)
    if html is not None:
        from medchat.evaluation.report.arena_section import write_arena_page

        named = [str(p) for p in battles or []] + [f"arena run {r}" for r in runs or []] + (["people"] if human else [])
        path = write_arena_page(board, html, sources=named)
        typer.echo(f"wrote {path}", err=True)


def _sources(files: list[Path], runs: list[str], human: bool, judge: str | None = None) -> Iterator[Battle]:
    """Battles from files, then stored runs, then people's compare-mode verdicts."""
    from medchat.evaluation.arena import read_all

    yield from read_all(files)
    if runs:
        store = _battle_store()
        for run in [store.get_run(r) for r in runs]:
            yield from rated_battles(store, run, judge)
    if human:
        from medchat.evaluation.arena.stored import human_battles

        yield from human_battles(_database())


def _anchor(text: str | None) -> dict[str, float] | None:
    if text is None:
        return None
    model, sep, value = text.rpartition("=")
    try:
        rating = float(value)
    except ValueError:
        rating = float("nan")
    if not sep or not model or rating != rating:
        raise typer.BadParameter(f"{text!r} is not MODEL=RATING (e.g. gpt-4o=1200)", param_hint="--anchor")
    return {model: rating}


def _counted(battles: Iterable[Battle], report: Any, every: int = 50_000) -> Iterator[Battle]:
    n = 0
    for n, battle in enumerate(battles, start=1):
        if n % every == 0:
            report(n)
        yield battle
    report(n)


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


def _csv(board: Leaderboard) -> None:
    import csv
    import sys

    writer = csv.DictWriter(sys.stdout, fieldnames=["model", "rating", "ci_low", "ci_high", "battles"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(row.columns() for row in board.rows)


def _table(board: Leaderboard) -> None:
    from rich.console import Console
    from rich.table import Table

    from medchat.evaluation.report.arena_section import METHODS, fmt_rating

    table = Table(title=f"{METHODS.get(board.method, board.method)} · {board.battles:,} battles", title_justify="left")
    for column in ("#", "model", "rating", "95% CI", "battles"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for rank, row in enumerate(board.rows, start=1):
        ci = f"{fmt_rating(board, row.ci_low)} – {fmt_rating(board, row.ci_high)}" if row.ci_low is not None else "–"
        table.add_row(str(rank), row.model, fmt_rating(board, row.rating), ci, f"{row.battles:,}")
    console = Console(highlight=False, soft_wrap=True)
    console.print(table)
    if board.anchor:
        (model, value), = board.anchor.items()
        console.print(f"anchored: {model} = {value:g}")
    if bias := board.length_bias:
        console.print(f"length bias: the longer answer won {bias.longer_win_rate:.1%} of {bias.battles:,} battles "
                      f"(95% CI {bias.ci_low:.1%} – {bias.ci_high:.1%}): {bias.verdict}")
    for note in board.notes:
        console.print(f"note: {note}", markup=False)
