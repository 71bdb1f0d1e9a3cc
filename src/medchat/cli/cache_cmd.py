"""``medchat cache``: the response cache's entries (``[cache]`` in medchat.toml) — stats and clear."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated

import typer

from medchat.cli.errors import friendly

app = typer.Typer(help="The response cache (the cache table of medchat.toml): what it holds, and emptying it.",
                  no_args_is_help=True)

_MEMORY_NOTE = ("backend = \"memory\": each process (medchat serve, a chat) keeps its own entries, which this command "
                "cannot see; use backend = \"database\" or \"redis\" to share them")


@app.command("stats", help="Entries, hits served, size and entries per model of the configured backend.")
@friendly
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    from medchat.config import get_settings
    from medchat.gateway.cache_store import open_backend, read_stats
    from medchat.storage.gateway_stores import gateway_stores

    settings = get_settings()
    found = asyncio.run(read_stats(open_backend(settings, gateway_stores()), time.time()))
    if as_json:
        typer.echo(json.dumps({"mode": settings.cache.mode, **found.model_dump()}, indent=2))
        return
    typer.echo(f"mode {settings.cache.mode} · backend {found.backend} · {found.entries} entries "
               f"({found.expired} expired, not yet removed) · {found.hits} hits served · {found.bytes:,} bytes")
    for model, count in sorted(found.by_model.items(), key=lambda item: -item[1]):
        typer.echo(f"  {model}\t{count}")
    if found.backend == "memory":
        typer.echo(_MEMORY_NOTE, err=True)


@app.command("clear", help="Remove every cached answer, or one model's (--model).")
@friendly
def clear(model: Annotated[str | None, typer.Option("--model", "-m", help="Only this model's entries (its resolved "
                                                    "name, as `cache stats` lists it).", show_default=False)] = None,
          ) -> None:
    from medchat.config import get_settings
    from medchat.gateway.cache_store import open_backend
    from medchat.storage.gateway_stores import gateway_stores

    settings = get_settings()
    removed = asyncio.run(open_backend(settings, gateway_stores()).clear(model))
    typer.echo(f"removed {removed} cached answer{'s' if removed != 1 else ''}"
               + (f" of {model}" if model else ""))
    if settings.cache.backend == "memory":
        typer.echo(_MEMORY_NOTE, err=True)
