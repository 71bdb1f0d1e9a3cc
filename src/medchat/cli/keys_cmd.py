"""``medchat keys``: the API keys of ``medchat serve`` — create (shown once), list, revoke."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from medchat.cli.errors import friendly

if TYPE_CHECKING:
    from medchat.storage.keys import ApiKey, KeyStore

app = typer.Typer(help="API keys for `medchat serve`: shown once, stored hashed, revocable.",
                  no_args_is_help=True)

_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
EXPIRES_HINT = "give an ISO date (2027-01-31), a datetime (2027-01-31T18:00Z) or a duration (12h, 30d, 8w)"


def parse_expires(text: str, now: datetime | None = None) -> datetime:
    """``--expires``: a duration from ``now`` (``12h``, ``30d``, ``8w``), an ISO date (the key expires at
    the start of that day, UTC) or an ISO datetime (UTC unless it has an offset); must be in the future."""
    from medchat.errors import ConfigError

    now = now or datetime.now(UTC)
    if match := _DURATION.match(text):
        when = now + timedelta(**{_UNITS[match[2].lower()]: int(match[1])})
    else:
        try:
            when = datetime.fromisoformat(text.strip()) if "T" in text or ":" in text else \
                datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
        except ValueError:
            raise ConfigError(f"--expires {text!r} is not a date or a duration", hint=EXPIRES_HINT) from None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if when <= now:
        raise ConfigError(f"--expires {text!r} is in the past ({when:%Y-%m-%d %H:%M} UTC)", hint=EXPIRES_HINT)
    return when


def _store() -> KeyStore:
    from medchat.storage import KeyStore, open_database

    return KeyStore(open_database())


def _when(value: datetime | None, never: str = "-") -> str:
    return never if value is None else f"{value:%Y-%m-%d %H:%M}"


def _limits(key: ApiKey) -> str:
    parts = [f"{name} {value}" for name, value in (("rpm", key.rpm), ("tpm", key.tpm),
                                                   ("concurrency", key.concurrency)) if value is not None]
    return ", ".join(parts) or "unlimited"


def _err(text: str) -> None:
    typer.echo(text, err=True)


@app.command("create", help="Create a key and print it once: medchat keeps only its hash. The key goes to "
                            "stdout alone (KEY=$(medchat keys create --name ci)), the notes to stderr.")
@friendly
def create(
    name: Annotated[str, typer.Option("--name", help="Unique among keys not revoked; shown in listings and "
                                                     "logs.", show_default=False)],
    rpm: Annotated[int | None, typer.Option(min=1, help="Requests per minute [default: unlimited].",
                                            show_default=False)] = None,
    tpm: Annotated[int | None, typer.Option(min=1, help="Tokens per minute [default: unlimited].",
                                            show_default=False)] = None,
    concurrency: Annotated[int | None, typer.Option(min=1, help="Requests in flight at once "
                                                    "[default: unlimited].", show_default=False)] = None,
    models: Annotated[list[str] | None, typer.Option(
        "--models", help="Models the key may use: glob patterns, comma-separated or repeated, e.g. "
                         "'assistant/*,builtin/*' [default: every model].", show_default=False)] = None,
    expires: Annotated[str | None, typer.Option(
        "--expires", help="When the key stops working: 30d, 12h, 8w, 2027-01-31 (start of day, UTC) or "
                          "2027-01-31T18:00Z [default: never].", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key and its record as JSON.")] = False,
) -> None:
    expires_at = parse_expires(expires) if expires is not None else None
    key, raw = _store().create(name, rpm=rpm, tpm=tpm, concurrency=concurrency, models=models or (),
                               expires_at=expires_at)
    if as_json:
        typer.echo(json.dumps({"key": raw, **key.to_dict()}, indent=2))
    else:
        typer.echo(raw)
    _err(f"created key {key.name!r} ({key.prefix}…) · {_limits(key)} · models: "
         f"{', '.join(key.models) or 'all'} · expires: {_when(key.expires_at, 'never')}")
    _err("store it now: this is the only time the key is shown (medchat keeps only its hash)")


@app.command("list", help="Keys oldest first: name, prefix, dates, limits, models and status; never the "
                          "keys themselves.")
@friendly
def list_keys(
    show_all: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from rich.console import Console
    from rich.table import Table

    keys = _store().list(include_revoked=show_all)
    if as_json:
        typer.echo(json.dumps([key.to_dict() for key in keys], indent=2))
        return
    if not keys:
        typer.echo("no keys yet: medchat keys create --name NAME")
        return
    rows = [[key.name, key.prefix, _when(key.created_at), _when(key.expires_at, "never"),
             _when(key.last_used_at, "never"), _limits(key), ",".join(key.models) or "all", key.status()]
            for key in keys]
    console = Console()
    if not console.is_terminal:  # piped: one tab-separated line per key, for scripts
        for row in rows:
            typer.echo("\t".join(row))
        return
    table = Table()
    for column in ("name", "prefix", "created", "expires", "last used", "limits", "models", "status"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@app.command("revoke", help="Revoke a key at once, by name or prefix; its name can then be reused.")
@friendly
def revoke(
    name_or_prefix: Annotated[str, typer.Argument(help="The key's name, or its prefix (mc-…) or a unique "
                                                       "start of it.", show_default=False)],
) -> None:
    key = _store().revoke(name_or_prefix)
    typer.echo(f"revoked {key.name!r} ({key.prefix}…)")
