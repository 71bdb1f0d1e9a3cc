"""``medchat models``: what can be used here, and what is missing to use the rest."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from medchat.cli.errors import friendly


@friendly
def models(
    json_output: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    from medchat.config import config_path, get_settings
    from medchat.models.builtin import BUILTIN
    from medchat.models.conventions import base_url_from_env
    from medchat.models.registry import providers

    settings = get_settings()
    rows = []
    for info in providers():
        keys = {env: bool(os.environ.get(env)) for env in info.key_envs}
        from_env = base_url_from_env(info.prefix)
        rows.append({
            "provider": info.prefix,
            "description": info.description,
            "keys": keys,
            "ready": info.local or not keys or any(keys.values()),
            "local": info.local,
            "example": info.example,
            "base_url_env": {"url": from_env[0], "variable": from_env[1]} if from_env else None,
        })
    aliases = {name: {"model": a.model, **a.options} for name, a in settings.models.items()}
    builtin = {f"builtin/{name}": desc for name, (desc, _) in BUILTIN.items()}
    if json_output:
        typer.echo(json.dumps({"default_model": settings.default_model, "providers": rows, "aliases": aliases,
                               "builtin": builtin}, indent=2))
        return

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    table = Table(title="Providers", title_justify="left")
    for col in ("provider", "example", "API key", "what"):
        table.add_column(col)
    for r in rows:
        if r["local"]:
            key = "[green]local[/]"
        elif not r["keys"]:
            key = "[green]not needed[/]"
        else:
            key = " / ".join(f"[green]{k} ✓[/]" if ok else f"[dim]{k} ✗[/]" for k, ok in r["keys"].items())
        what = r["description"]
        if r["base_url_env"]:
            what += f" [cyan]→ {escape(r['base_url_env']['url'])} ({r['base_url_env']['variable']})[/]"
        table.add_row(r["provider"], r["example"], key, what)
    console.print(table)
    console.print("Builtin: " + ", ".join(f"[bold]{k}[/] ({v})" for k, v in builtin.items()))
    if aliases:
        alias_table = Table(title=f"Aliases from {config_path()}", title_justify="left")
        alias_table.add_column("alias")
        alias_table.add_column("model")
        alias_table.add_column("options")
        for name, entry in aliases.items():
            opts = ", ".join(f"{k}={v}" for k, v in entry.items() if k != "model")
            alias_table.add_row(name, entry["model"], opts)
        console.print(alias_table)
    console.print(f"Default model: [bold]{settings.default_model}[/]")
