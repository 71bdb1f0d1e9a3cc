"""``builtin/extractive``: answer by quoting the knowledge base's most relevant sentences, with citations.

The classical extractive-QA baseline that generative models are compared against: it cannot
hallucinate (every sentence is a source sentence), it is fast and fully offline, and it answers in the
question's language. Passages come from hybrid retrieval; their sentences are scored by how many of
the question's words they contain (stemmed English, segmented Chinese), plus a prior from the
passage's rank, and the best few are returned in reading order with numbered sources.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from medchat.knowledge.base import KnowledgeBase, SearchResult
from medchat.knowledge.chunking import count_tokens, split_sentences
from medchat.knowledge.tokenize import content_words, tokenize
from medchat.language import detect_language
from medchat.models.base import ProviderModel
from medchat.models.registry import ModelSpec
from medchat.types import ChatRequest, Chunk, Usage

NOT_FOUND = {
    "en": "I could not find information about this in the knowledge base.",
    "zh": "知识库中没有找到与这个问题相关的内容。",
}
SOURCES = {"en": "Sources:", "zh": "来源："}


def create(spec: ModelSpec) -> ExtractiveModel:
    model = ExtractiveModel(
        spec.name,
        knowledge=spec.take("knowledge"),
        passages=int(spec.take("passages", 5)),
        sentences=int(spec.take("sentences", 4)),
        mode=spec.take("mode", "hybrid"),
        data_dir=spec.settings.data_dir,
        params=spec.params,
    )
    spec.done()
    return model


class ExtractiveModel(ProviderModel):
    provider = "extractive"
    is_local = True
    # Answers one question at a time (the gateway's ConcurrencyLimit queues the rest, outside the answer's timing):
    # an answer is ~12 ms, mostly Python under the interpreter lock, so answers side by side finish no sooner in all
    # and each takes as long as all of them (docs/benchmarks.md, the default evaluation job).
    max_concurrency = 1

    def __init__(self, name: str, *, knowledge: str | None = None, passages: int = 5, sentences: int = 4,
                 mode: str = "hybrid", data_dir: Any = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.knowledge_name = knowledge
        self.passages = passages
        self.sentences = sentences
        self.mode = mode
        self._data_dir = data_dir
        self._kb: KnowledgeBase | None = None

    async def load(self) -> None:
        if self._kb is None:
            from medchat.knowledge import open_knowledge_base

            self._kb = await asyncio.to_thread(open_knowledge_base, self.knowledge_name, self._data_dir)

    def answer(self, question: str) -> tuple[list[str], list[SearchResult]]:
        """Chosen sentences (each ending in its citation mark) and the sources they cite."""
        assert self._kb is not None
        results = self._kb.search(question, mode=self.mode, k=self.passages)  # type: ignore[arg-type]
        wanted = content_words(question)
        candidates: list[tuple[float, int, int, str]] = []  # (score, result index, position, sentence)
        matched = False  # dense retrieval always returns passages: quote them only if one shares a question word
        for r, result in enumerate(results):
            text = result.passage.text
            for position, (start, end) in enumerate(split_sentences(text)):
                sentence = text[start:end]
                if not _is_prose(sentence, result.passage.language):
                    continue
                words = set(tokenize(sentence))
                overlap = len(wanted & words) / max(len(wanted), 1)
                matched = matched or overlap > 0
                candidates.append((overlap + 0.5 / (r + 1), r, position, sentence))
        if not matched:
            return [], []  # nothing in the knowledge base is about this: say so rather than quote unrelated pages
        chosen: list[tuple[float, int, int, str]] = []
        for candidate in sorted(candidates, key=lambda c: -c[0]):
            if len(chosen) >= self.sentences:
                break
            if all(candidate[3] != c[3] for c in chosen):
                chosen.append(candidate)
        chosen.sort(key=lambda c: (c[1], c[2]))  # reading order within sources, best source first
        # Number sources by document: two passages of one page are one source.
        first_of_doc: dict[str, int] = {}
        for _, r, _, _ in chosen:
            first_of_doc.setdefault(results[r].passage.doc_id, r)
        number = {doc: n for n, doc in enumerate(first_of_doc, start=1)}
        lines = [f"{sentence} [{number[results[r].passage.doc_id]}]" for _, r, _, sentence in chosen]
        return lines, [results[r] for r in first_of_doc.values()]

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        await self.load()
        question = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        language = detect_language(question)
        lines, sources = await asyncio.to_thread(self.answer, question)
        pieces = [" ".join(lines)] if lines else [NOT_FOUND.get(language, NOT_FOUND["en"])]
        if sources:
            pieces.append("\n\n" + SOURCES.get(language, SOURCES["en"]))
            pieces.extend(f"\n[{n}] {s.citation}" for n, s in enumerate(sources, start=1))
        for piece in pieces:
            yield Chunk(text=piece)
        text = "".join(pieces)
        prompt = sum(count_tokens(m.content) for m in request.messages)
        yield Chunk(final=True, finish_reason="stop",
                    usage=Usage(prompt_tokens=prompt, completion_tokens=count_tokens(text), estimated=True))


def _is_prose(sentence: str, language: str) -> bool:
    """Skip headings and fragments: keep sentences that end like sentences and have some length."""
    if language == "zh":
        return len(sentence) >= 8 and sentence[-1] in "。！？；"
    return len(sentence.split()) >= 5 and sentence[-1] in ".!?"
