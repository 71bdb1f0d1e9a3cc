"""``medchat chat``: talk to the guarded assistant in a terminal, with memory, sources and slash commands.

Also the pieces ``medchat ask --assistant`` shares: building the ``Assistant`` from settings and command
options, and the one-line safety summary. Everything heavy is imported inside functions, so importing
this module (which ``medchat --help`` does) stays cheap.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medchat.cli.errors import friendly

if TYPE_CHECKING:
    from rich.console import Console

    from medchat.assistant import Assistant, AssistantReply
    from medchat.types import Message

LANGUAGES = ("auto", "en", "zh")
PROMPT = "you> "
ESCALATION_MARK = "⚠️"  # how the pipeline's emergency opening (safety.escalation) begins, in every language
HELP = (
    ("/sources", "the sources of the last answer, with titles and links"),
    ("/history", "this conversation's turns (from the database when conversations are stored)"),
    ("/new", "start a new conversation: forget the turns so far"),
    ("/help", "this list"),
    ("/quit", "leave (Ctrl-D works too; Ctrl-C stops an answer that is being written)"),
)

ModelOption = Annotated[str | None, typer.Option("--model", "-m", help="provider/model or an alias "
                                                 "\\[default: builtin/smollm2, or default_model in medchat.toml]")]
LangOption = Annotated[str | None, typer.Option("--lang", help="Answer language: auto (the question's), en or zh "
                                                "\\[default: assistant.language in medchat.toml, else auto]")]
LocaleOption = Annotated[str | None, typer.Option("--locale", help="Where you are, for emergency numbers: auto, US, "
                                                  "GB, EU, CN, AU... \\[default: assistant.locale, else auto]")]
KbOption = Annotated[str | None, typer.Option("--kb", help="Knowledge base to answer from "
                                              "\\[default: assistant.knowledge, else medchat, the bundled one]")]
NoStoreOption = Annotated[bool, typer.Option("--no-store", help="Do not save the conversation in the database.")]


def check_options(lang: str | None, locale: str | None) -> None:
    """Reject a bad ``--lang`` or ``--locale`` before anything is loaded."""
    if lang is not None and lang not in LANGUAGES:
        raise typer.BadParameter(f"use {', '.join(LANGUAGES)}", param_hint="--lang")
    if locale is not None:
        from medchat.safety.escalation import LOCALES

        if locale.upper() != "AUTO" and locale.upper() not in LOCALES:
            raise typer.BadParameter(f"use auto or one of {', '.join(sorted(LOCALES))}", param_hint="--locale")


def build_assistant(spec: str | None, *, lang: str | None = None, locale: str | None = None,
                    kb: str | None = None, store: bool = True, max_tokens: int | None = None,
                    question: str = "") -> Assistant:
    """The assistant for ``spec`` with ``[assistant]`` settings, overridden by the command's options; ``question``,
    the first question if already known, is looked up in the knowledge base while the pipeline is imported."""
    import logging

    from medchat.config import get_settings
    from medchat.gateway import get_model

    settings = get_settings()
    if logging.getLogger().getEffectiveLevel() > logging.INFO:  # Presidio warns about every unused recognizer
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    update: dict[str, Any] = {}
    if lang is not None:
        update["language"] = lang
    if locale is not None:
        update["locale"] = "auto" if locale.upper() == "AUTO" else locale.upper()
    if kb is not None:
        update["knowledge"] = kb
    if not store:
        update["store"] = False
    if max_tokens is not None:
        update["max_tokens"] = max_tokens
    options = settings.assistant.model_copy(update=update)
    from medchat.safety.cache_hooks import semantic_hooks
    from medchat.storage.gateway_stores import gateway_stores

    model = get_model(spec, settings=settings, cache_hooks=semantic_hooks(), stores=gateway_stores())
    preload(model)  # local weights load (in C) while the knowledge base is opened and the pipeline imported
    from medchat.knowledge import open_knowledge_base

    knowledge = open_knowledge_base(options.knowledge, settings.data_dir) if options.passages else None
    if knowledge is not None:
        knowledge.prefetch(question)  # embedded (in C) while the pipeline is imported
    from medchat.assistant import Assistant

    conversations = None
    if options.store:
        from medchat.storage.opening import Opening

        def open_store() -> Any:
            from medchat.storage import ConversationStore, open_database

            return ConversationStore(open_database(settings))  # the assistant redacts (redact_storage)

        # Opened once the first answer is under way (or on first use): not before the first turn.
        conversations = Opening(open_store)
    return Assistant(model, knowledge=knowledge, settings=options, store=conversations)


def preload(model: Any) -> None:
    """Start loading a llama.cpp model's weights on a background thread and return at once; the first turn's own load
    then finds them loaded, or waits for this one (``llama_cpp.load`` caches per process). Only llama.cpp: other
    models have nothing to load ahead, or load into an event loop of their own. A failure is left for the turn."""
    import contextlib
    import threading

    options = getattr(model, "options", None)
    if getattr(model, "provider", None) != "llama.cpp" or options is None:
        return
    from medchat.models.llama_cpp import load

    def work() -> None:
        with contextlib.suppress(Exception):
            load(options)

    threading.Thread(target=work, name="medchat-preload", daemon=True).start()


def safety_summary(reply: AssistantReply) -> str:
    """One line: emergency (categories), a harmful request (its category), redactions, injection score, findings."""
    s = reply.safety
    parts = [f"emergency ({', '.join(s.emergency_categories) or 'classifier'})" if s.emergency else "no emergency",
             *(f"harmful request ({f.kind}, {f.action})" for f in s.by_check("harm")),
             f"{s.redactions} redaction{'' if s.redactions == 1 else 's'}",
             f"injection {s.injection_score:.2f}",
             f"{len(s.findings)} finding{'' if len(s.findings) == 1 else 's'}"]
    return "safety: " + " · ".join(parts)


@friendly
def chat(
    model: ModelOption = None,
    lang: LangOption = None,
    locale: LocaleOption = None,
    kb: KbOption = None,
    no_store: NoStoreOption = False,
) -> None:
    from rich.console import Console

    check_options(lang, locale)
    console = Console(highlight=False, soft_wrap=True)
    assistant = build_assistant(model, lang=lang, locale=locale, kb=kb, store=not no_store)
    ChatSession(assistant, console).run()


class ChatSession:
    """The REPL: reads lines (a terminal or a pipe), runs turns on one event loop, answers slash commands."""

    def __init__(self, assistant: Assistant, console: Console) -> None:
        from rich.console import Console

        self.assistant = assistant
        self.console = console
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)
        self.history: list[Message] = []  # this conversation's turns, as the assistant's memory
        self.conversation_id: str | None = None  # the stored conversation, once the first turn is saved
        self.last: AssistantReply | None = None
        self.interactive = sys.stdin.isatty()

    @property
    def storing(self) -> bool:
        return self.assistant.store is not None and self.assistant.settings.store

    # -- the loop ----------------------------------------------------------------------------------
    def run(self) -> None:
        import asyncio
        import contextlib

        from medchat.errors import MedchatError

        if self.interactive:
            with contextlib.suppress(ImportError):  # not on Windows
                import readline  # noqa: F401  (line editing and history for input())
        self._welcome()
        # One loop for the whole session: clients and models keep their connections between turns, and
        # the Runner turns Ctrl-C during a turn into a clean cancellation of that turn only.
        with asyncio.Runner() as runner:
            try:
                while True:
                    answering = False
                    try:
                        line = self._read()
                        if line is None:
                            break
                        line = line.strip()
                        if not line:
                            continue
                        if line.startswith("/"):
                            if not self.command(line):
                                break
                            continue
                        answering = True
                        runner.run(self.turn(line))
                    except KeyboardInterrupt:  # during an answer: the Runner has cancelled that turn only
                        self.console.out("")
                        self.console.print("[yellow]answer cancelled[/]" if answering
                                           else "[dim](/quit or Ctrl-D to leave)[/]")
                    except MedchatError as exc:
                        from rich.markup import escape

                        self.console.out("")
                        self.errors.print(f"[bold red]error:[/] {escape(str(exc))}")
            finally:
                runner.run(self.assistant.model.aclose())

    def _read(self) -> str | None:
        """The next line, or ``None`` at end of input."""
        try:
            line = input(PROMPT)
        except EOFError:
            self.console.out("")
            return None
        if not self.interactive:  # a piped session: show what was asked, so the transcript reads like one
            self.console.out(line)
        return line

    def _welcome(self) -> None:
        s = self.assistant.settings
        kb = (s.knowledge or "medchat") if self.assistant.knowledge is not None else "none"
        stored = ("conversations are stored" + (" (personal data redacted)" if s.redact_storage else "")
                  if self.storing else "not storing this conversation")
        self.console.print(f"[bold]medchat chat[/] · {self.assistant.model.name} · knowledge: {kb} · {stored}\n"
                           "[dim]General health information, not a diagnosis. In an emergency call your local "
                           "emergency number. /help lists the commands.[/]")

    # -- one turn ----------------------------------------------------------------------------------
    async def turn(self, text: str) -> None:
        from contextlib import aclosing

        from medchat.assistant import AssistantReply
        from medchat.types import Message

        reply: AssistantReply | None = None
        first, banner = True, False
        responses = self.assistant.respond(self.history, text, conversation_id=self.conversation_id)
        async with aclosing(responses) as items:
            async for item in items:
                if isinstance(item, AssistantReply):
                    reply = item
                    continue
                if first and item.startswith(ESCALATION_MARK):
                    self._banner(item.strip())
                    banner = True
                else:
                    self.console.out(item, end="")
                first = False
        self.console.out("")
        if reply is None:  # pragma: no cover - the pipeline always ends with its reply
            return
        if reply.emergency and not banner:
            self._banner("This may be an emergency: call your local emergency number now.")
        self.history += [Message.user(text), Message.assistant(reply.text)]
        self.conversation_id = reply.conversation_id or self.conversation_id
        self.last = reply
        self._footer(reply)

    def _banner(self, text: str) -> None:
        from rich.panel import Panel
        from rich.text import Text

        from medchat.language import detect_language

        title = "紧急情况" if detect_language(text) == "zh" else "EMERGENCY"
        self.console.print(Panel(Text(text, style="bold"), title=f"[bold]{title}[/]", border_style="red",
                                 title_align="left", expand=False), soft_wrap=False)  # wrap inside the box

    def _footer(self, reply: AssistantReply) -> None:
        parts = [reply.model, f"{reply.usage.completion_tokens} tokens",
                 f"{sum(step.seconds for step in reply.trace):.2f}s"]
        n = len(reply.citations)
        parts.append(f"{n} source{'' if n == 1 else 's'} (/sources)" if n else "no sources")
        if reply.fallback:
            from medchat.cli.ask import fallback_note

            parts.append(fallback_note(reply.fallback))
        self.console.print("[dim]" + " · ".join(parts) + "[/]")

    # -- slash commands ----------------------------------------------------------------------------
    def command(self, line: str) -> bool:
        """Run a slash command; ``False`` means leave."""
        name = line.split()[0].lower()
        if name in ("/quit", "/exit", "/q"):
            return False
        handler = {"/help": self.show_help, "/sources": self.show_sources, "/history": self.show_history,
                   "/new": self.new_conversation}.get(name)
        if handler is None:
            from rich.markup import escape

            self.console.print(f"unknown command {escape(name)}: /help lists the commands")
        else:
            handler()
        return True

    def show_help(self) -> None:
        from rich.markup import escape

        for name, text in HELP:
            self.console.print(f"  [bold]{escape(name)}[/]  {text}")
        self.console.print("  anything else is a message to the assistant")

    def show_sources(self) -> None:
        from rich.markup import escape

        if self.last is None:
            self.console.print("no answer yet: ask something first")
            return
        if not self.last.citations:
            self.console.print("the last answer used no sources")
            return
        for c in self.last.citations:
            quote = " ".join(c.quote.split())
            quote = quote if len(quote) <= 200 else quote[:197] + "..."
            self.console.print(f"[bold][{c.number}] {escape(c.title)}[/]")
            self.console.print(f"    [cyan]{escape(c.url or c.source)}[/]")
            self.console.print(f"    [dim]{escape(quote)}[/]")

    def show_history(self) -> None:
        from rich.markup import escape

        messages: list[tuple[str, str]]
        if self.storing and self.conversation_id is not None:
            # history(), not get(): only role and content are needed (and are what the database holds redacted)
            messages = [(m.role, m.content) for m in self.assistant.store.history(self.conversation_id)]
            where = f"conversation {self.conversation_id} (stored)"
        else:
            messages = [(m.role, m.content) for m in self.history]
            where = "this conversation" + ("" if self.storing else " (not stored)")
        if not messages:
            self.console.print("no turns yet in this conversation")
            return
        turns = sum(1 for role, _ in messages if role == "user")
        self.console.print(f"[dim]{where} · {turns} turn{'' if turns == 1 else 's'}[/]")
        number = 0
        for role, content in messages:
            text = " ".join(content.split())
            text = text if len(text) <= 160 else text[:157] + "..."
            if role == "user":
                number += 1
                self.console.print(f"{number:>3}. [bold]you:[/] {escape(text)}")
            else:
                self.console.print(f"     [bold]assistant:[/] {escape(text)}")

    def new_conversation(self) -> None:
        self.history = []
        self.conversation_id = None
        self.last = None
        self.console.print("new conversation" + (": the next message starts a new stored conversation"
                                                 if self.storing else ""))
