"""``medchat``: the typer application. Kept import-light so ``medchat --help`` is instant."""

from __future__ import annotations

import logging

import typer

from medchat.__about__ import __version__
from medchat.cli import arena_cmd, cache_cmd, feedback_cmd, judge_cmd, kb, keys_cmd, runs_cmd
from medchat.cli.ask import ask
from medchat.cli.chat import chat
from medchat.cli.eval_cmd import eval_command
from medchat.cli.models_cmd import models
from medchat.cli.serve_cmd import serve

app = typer.Typer(
    name="medchat",
    help="Run, guard and evaluate medical chat assistants across model providers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"medchat {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit.", callback=_version,
                                 is_eager=True),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show retries and other details on stderr."),
) -> None:
    """Run, guard and evaluate medical chat assistants across model providers."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")


app.command(help="Ask a model one question; the answer streams to the terminal.")(ask)
app.command(help="Chat with the guarded assistant: safety checks, sources, memory; /help inside.")(chat)
app.command(help="List providers, your aliases from medchat.toml, and which API keys are set.")(models)
app.command("eval", help="Evaluate models on bundled suites or your data files; stores every result, "
                         "writes an HTML report. No arguments: the default offline job.")(eval_command)
app.command("report", help="Write a run's report (HTML, JSON or CSV), or compare two runs: "
                           "report compare RUN_A RUN_B.")(runs_cmd.report)
app.command(help="Serve every model and the guarded assistant behind an OpenAI-compatible API "
                 "(/v1/chat/completions, /v1/models).")(serve)
app.add_typer(runs_cmd.app, name="runs")
app.add_typer(kb.app, name="kb")
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(feedback_cmd.app, name="feedback")
app.add_typer(arena_cmd.app, name="arena")
app.add_typer(judge_cmd.app, name="judge")
app.add_typer(cache_cmd.app, name="cache")


def main() -> None:
    app()
