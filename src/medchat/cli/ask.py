"""``medchat ask``: one question, streamed, with timing and cost after the answer."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from medchat.cli.chat import KbOption, LangOption, LocaleOption, NoStoreOption
from medchat.cli.errors import friendly, run

if TYPE_CHECKING:
    from medchat.assistant import Assistant, AssistantReply
    from medchat.types import ChatRequest, Completion, Timing


@friendly
def ask(
    question: Annotated[str, typer.Argument(help="The question; '-' reads it from standard input.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="provider/model or an alias "
                                              "\\[default: builtin/smollm2, or default_model in medchat.toml]")] = None,
    system: Annotated[str | None, typer.Option("--system", "-s", help="A system prompt.")] = None,
    temperature: Annotated[float | None, typer.Option(min=0.0, max=2.0, help="Sampling temperature.")] = None,
    top_p: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Nucleus sampling mass.")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", min=1, help="Answer length cap.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed, where the provider supports one.")] = None,
    no_stream: Annotated[bool, typer.Option("--no-stream", help="Wait for the whole answer.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the Completion (with --assistant, the "
                                              "AssistantReply) as JSON.")] = False,
    assistant: Annotated[bool, typer.Option("--assistant", "-a", help="Answer through the guarded assistant: "
                                            "safety screening, sources from the knowledge base, stored.")] = False,
    lang: LangOption = None,
    locale: LocaleOption = None,
    kb: KbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    from medchat.types import ChatRequest

    if question == "-":
        question = sys.stdin.read()
    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    if assistant:
        for value, flag in ((system, "--system"), (temperature, "--temperature"), (top_p, "--top-p"),
                            (seed, "--seed")):
            if value is not None:
                raise typer.BadParameter("the assistant sets its own prompt and sampling; drop it or --assistant",
                                         param_hint=flag)
        from medchat.cli.chat import build_assistant, check_options

        check_options(lang, locale)
        guarded = build_assistant(model, lang=lang, locale=locale, kb=kb, store=not no_store, max_tokens=max_tokens,
                                  question=question.strip())
        reply, timing = run(_assist(guarded, question.strip(), stream=not no_stream, echo=not json_output))
        if json_output:
            typer.echo(reply.model_dump_json(indent=2))
        else:
            _print_assistant_stats(reply, timing)
        return
    for value, flag in ((lang, "--lang"), (locale, "--locale"), (kb, "--kb"), (no_store or None, "--no-store")):
        if value is not None:
            raise typer.BadParameter("only with --assistant", param_hint=flag)
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
    from medchat.safety.cache_hooks import semantic_hooks
    from medchat.storage.gateway_stores import gateway_stores

    model = get_model(spec, cache_hooks=semantic_hooks(), stores=gateway_stores())
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


async def _assist(assistant: Assistant, question: str, *, stream: bool, echo: bool) -> tuple[AssistantReply, Timing]:
    """One assistant turn; its text streams to stdout (or is printed at the end without ``stream``)."""
    import time

    from medchat.assistant import AssistantReply
    from medchat.types import Timing

    start, first = time.perf_counter(), None
    reply: AssistantReply | None = None
    try:
        async for item in assistant.respond([], question):
            if isinstance(item, AssistantReply):
                reply = item
            elif item:
                first = first or time.perf_counter()
                if echo and stream:
                    sys.stdout.write(item)
                    sys.stdout.flush()
    except BaseException:
        if first is not None and echo and stream:  # the answer was shown (storing it failed...): end its line
            sys.stdout.write("\n")
            sys.stdout.flush()
        raise
    finally:
        await assistant.model.aclose()
    assert reply is not None  # the pipeline always ends with its reply
    if echo:
        sys.stdout.write(("" if stream else reply.text) + "\n")
    timing = Timing.measure(start=start, first_token=first, end=time.perf_counter(),
                            completion_tokens=reply.usage.completion_tokens, streamed=stream)
    return reply, timing


def _print_assistant_stats(reply: AssistantReply, timing: Timing) -> None:
    """The usual stats line (timed around the whole turn), then the safety summary, both on stderr."""
    from rich.console import Console
    from rich.markup import escape

    from medchat.cli.chat import safety_summary
    from medchat.types import Completion

    _print_stats(Completion(text=reply.text, usage=reply.usage, timing=timing, cost_usd=reply.cost_usd,
                            model=f"assistant/{reply.model}", fallback=reply.fallback))
    n = len(reply.citations)
    line = safety_summary(reply) + f" · {n} source{'' if n == 1 else 's'}"
    if reply.conversation_id:
        line += f" · stored as {reply.conversation_id}"
    style = "bold red" if reply.emergency else "dim"
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[{style}]{escape(line)}[/]")


async def _echo(chunks):  # type: ignore[no-untyped-def]
    """Write text to stdout as it arrives, passing every chunk on."""
    async for chunk in chunks:
        if chunk.text:
            sys.stdout.write(chunk.text)
            sys.stdout.flush()
        if chunk.final:
            sys.stdout.write("\n")
        yield chunk


def fallback_note(fallback: dict[str, str]) -> str:
    """``answered by <to> (fallback for <from>: <reason>)``: the status lines' word on ``Completion.fallback``."""
    return (f"answered by {fallback.get('to', '?')} (fallback for {fallback.get('from', '?')}: "
            f"{fallback.get('reason', '?')})")


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
    if c.fallback:
        parts.append(fallback_note(c.fallback))
    Console(stderr=True, highlight=False, soft_wrap=True).print("[dim]" + " · ".join(parts) + "[/]")
