"""``medchat models``: what can be used here, and what is missing to use the rest; each alias's gateway options."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medchat.cli.errors import friendly

if TYPE_CHECKING:
    from medchat.config import Settings


def gateway_of(name: str, settings: Settings) -> dict[str, Any]:
    """What the gateway does for alias ``name`` (along its alias chain, as ``get_model`` builds it)."""
    from medchat.gateway.cache import cache_mode
    from medchat.gateway.stack import routing_of

    routing = routing_of(name, settings, {})
    deployments = len(routing.deployments)
    return {"deployments": deployments,
            "strategy": (routing.strategy or settings.gateway.strategy) if deployments else None,
            "fallbacks": routing.fallbacks, "context_window_fallbacks": routing.context_window_fallbacks,
            "rpm": routing.rpm, "tpm": routing.tpm, "cache": cache_mode(name, settings)}


def gateway_line(gateway: dict[str, Any]) -> str:
    """``2 deployments (latency) · fallbacks a, b · long prompts → c · 60 rpm · cache semantic``; "" for none."""
    parts = []
    if gateway["deployments"]:
        count = gateway["deployments"]
        parts.append(f"{count} deployment{'s' if count > 1 else ''} ({gateway['strategy']})")
    if gateway["fallbacks"]:
        parts.append("fallbacks " + ", ".join(gateway["fallbacks"]))
    if gateway["context_window_fallbacks"]:
        parts.append("long prompts → " + ", ".join(gateway["context_window_fallbacks"]))
    parts += [f"{gateway[unit]:,} {unit}" for unit in ("rpm", "tpm") if gateway[unit]]
    if gateway["cache"] != "off":
        parts.append(f"cache {gateway['cache']}")
    return " · ".join(parts)


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
    aliases = {name: {"model": a.model, **a.options, "gateway": gateway_of(name, settings)}
               for name, a in settings.models.items()}
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
        alias_table.add_column("gateway")
        for name, entry in aliases.items():
            opts = ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("model", "gateway"))
            alias_table.add_row(name, entry["model"], escape(opts), escape(gateway_line(entry["gateway"])))
        console.print(alias_table)
    console.print(f"Default model: [bold]{settings.default_model}[/]")
