"""``medchat ask``: one question, streamed, with timing and cost after the answer."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from medchat.cli.errors import friendly, run

if TYPE_CHECKING:
    from medchat.types import ChatRequest, Completion


@friendly
def ask(
    question: Annotated[str, typer.Argument(help="The question; '-' reads it from standard input.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="provider/model or an alias "
                                              "[default: builtin/smollm2, or default_model in medchat.toml]")] = None,
    system: Annotated[str | None, typer.Option("--system", "-s", help="A system prompt.")] = None,
    temperature: Annotated[float | None, typer.Option(min=0.0, max=2.0, help="Sampling temperature.")] = None,
    top_p: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Nucleus sampling mass.")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", min=1, help="Answer length cap.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed, where the provider supports one.")] = None,
    no_stream: Annotated[bool, typer.Option("--no-stream", help="Wait for the whole answer.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the Completion as JSON.")] = False,
) -> None:
    from medchat.types import ChatRequest

    if question == "-":
        question = sys.stdin.read()
    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    request = ChatRequest.of(question.strip(), system=system, temperature=temperature, top_p=top_p,
                             max_tokens=max_tokens, seed=seed)
    completion = run(_answer(model, request, stream=not no_stream, echo=not json_output))
    if json_output:
        typer.echo(completion.model_dump_json(indent=2))
    else:
        _print_stats(completion)


async def _answer(spec: str | None, request: ChatRequest, *, stream: bool, echo: bool) -> Completion:
    from medchat.gateway import get_model
    from medchat.models.base import collect

    model = get_model(spec)
    try:
        if not stream:
            completion = await model.complete(request)
            if echo:
                sys.stdout.write(completion.text + "\n")
            return completion
        if not echo:
            return await collect(model.stream(request))
        return await collect(_echo(model.stream(request)))
    finally:
        await model.aclose()


async def _echo(chunks):  # type: ignore[no-untyped-def]
    """Write text to stdout as it arrives, passing every chunk on."""
    async for chunk in chunks:
        if chunk.text:
            sys.stdout.write(chunk.text)
            sys.stdout.flush()
        if chunk.final:
            sys.stdout.write("\n")
        yield chunk


def _print_stats(c: Completion) -> None:
    from rich.console import Console

    t, u = c.timing, c.usage
    parts = [c.model, f"{u.prompt_tokens}+{u.completion_tokens} tokens" + (" (estimated)" if u.estimated else "")]
    if t.ttft_s is not None:
        parts.append(f"TTFT {t.ttft_s:.2f}s")
    parts.append(f"total {t.total_s:.2f}s")
    if t.tokens_per_s:
        parts.append(f"{t.tokens_per_s:.1f} tok/s")
    if c.cost_usd is None:
        parts.append("cost unknown")
    else:
        parts.append("free (local)" if c.cost_usd == 0 else f"${c.cost_usd:.6f}")
    if c.finish_reason == "length":
        parts.append("cut at --max-tokens")
    Console(stderr=True, highlight=False, soft_wrap=True).print("[dim]" + " · ".join(parts) + "[/]")
