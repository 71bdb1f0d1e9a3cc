"""``medchat feedback``: the feedback people gave on replies (the chat page, ``POST /api/feedback``) — list it,
and export it as a dataset ``medchat eval`` reads (corrections become reference answers)."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from medchat.cli.errors import friendly

app = typer.Typer(help="Feedback on replies: list it, export it as an evaluation dataset.", no_args_is_help=True)

RatingOption = Annotated[Literal["up", "down"] | None, typer.Option("--rating", help="Only up or only down.")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Only this reason (see `medchat feedback "
                                                  "reasons`).")]


def _store():  # type: ignore[no-untyped-def]
    from medchat.config import get_settings
    from medchat.storage import open_database
    from medchat.storage.feedback import FeedbackStore

    return FeedbackStore(open_database(get_settings()))


def _check_reason(reason: str | None) -> None:
    from medchat.storage.feedback import REASONS

    if reason is not None and reason not in REASONS:
        raise typer.BadParameter(f"unknown reason {reason!r}; use one of {', '.join(REASONS)}",
                                 param_hint="--reason")


@app.command(help="The reasons a reply can be marked down for.")
def reasons() -> None:
    from medchat.storage.feedback import REASONS

    for key, label in REASONS.items():
        typer.echo(f"{key}\t{label}")


@app.command("list", help="Newest first: when, rating, reason, model, and the question judged.")
@friendly
def list_(rating: RatingOption = None, reason: ReasonOption = None,
          limit: Annotated[int, typer.Option(min=1, help="How many to show.")] = 20) -> None:
    _check_reason(reason)
    records = _store().list(rating=rating, reason=reason, limit=limit)
    if not records:
        typer.echo("no feedback yet: it comes from the chat page or POST /api/feedback")
        return
    for r in records:
        question = " ".join((r.question or "").split())
        question = question if len(question) <= 70 else question[:67] + "..."
        typer.echo("\t".join([r.id[:12], f"{r.created_at:%Y-%m-%d %H:%M}", r.rating, r.reason or "-",
                              r.model or "-", "corrected" if r.correction else "-", question]))


@app.command(help="Write feedback as JSONL in medchat's Sample format; evaluate it with "
                  "`medchat eval FILE -m MODEL`.")
@friendly
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write ('-': standard output).")],
    rating: RatingOption = None,
    reason: ReasonOption = None,
    corrected: Annotated[bool, typer.Option("--corrected", help="Only feedback with a corrected answer.")] = False,
    since: Annotated[datetime | None, typer.Option("--since", help="Only feedback given since (UTC).")] = None,
) -> None:
    from medchat.storage.feedback import samples

    _check_reason(reason)
    since = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
    records = _store().export(rating=rating, reason=reason, corrected=corrected, since=since)
    lines = (json.dumps(sample, ensure_ascii=False) + "\n" for sample in samples(records))
    count = 0
    with (nullcontext(sys.stdout) if str(output) == "-" else output.open("w", encoding="utf-8")) as handle:
        for count, line in enumerate(lines, 1):  # noqa: B007 (the last count is the total)
            handle.write(line)
    if str(output) != "-":
        typer.echo(f"wrote {count} samples to {output}; evaluate them with `medchat eval {output} -m MODEL`",
                   err=True)
    if count == 0:
        typer.echo("no feedback matched (feedback without a question is left out)", err=True)
