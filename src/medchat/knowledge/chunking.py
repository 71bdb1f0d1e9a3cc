"""Cut documents into passages: whole sentences, within a token budget, overlapping by a sentence.

Sentences end at English ``. ! ?`` (not after common abbreviations or inside numbers), at Chinese
``。！？；``, and at line breaks (headings and list items are sentences of their own). A passage id is
the document id plus a hash of the passage text, so re-ingesting an unchanged file yields the same
ids, and an edit changes only the ids of the passages it touched.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel

from medchat.knowledge.documents import Document
from medchat.language import is_han

DEFAULT_MAX_TOKENS = 160
DEFAULT_OVERLAP_SENTENCES = 1

_ABBREVIATIONS = {"e.g", "i.e", "etc", "dr", "mr", "mrs", "ms", "vs", "no", "approx", "fig", "st", "u.s", "u.k"}
_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|[。！？；]+[”’」』）]*|\n+")


class Passage(BaseModel):
    """A retrievable piece of a document, with its place in the document's text."""

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    language: str
    title: str
    source: str
    url: str | None = None


def count_tokens(text: str) -> int:
    """A model-independent token estimate: one per Han character, ~1.3 per Latin word."""
    han = sum(1 for ch in text if is_han(ch))
    words = len(re.findall(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*", text))
    return han + round(words * 1.3)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the sentences in ``text``, surrounding white space excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if match.group(0).startswith("."):
            before = text[start:match.start()].rsplit(None, 1)
            word = before[-1].lower().rstrip(".") if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue  # "e.g. more", "J. Smith"
        _add(text, start, end, spans)
        start = end
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def chunk_document(document: Document, *, max_tokens: int = DEFAULT_MAX_TOKENS,
                   overlap_sentences: int = DEFAULT_OVERLAP_SENTENCES) -> list[Passage]:
    """Greedy packing of whole sentences; a sentence longer than the budget becomes its own passage."""
    text = document.text
    sentences = split_sentences(text)
    costs = [count_tokens(text[a:b]) for a, b in sentences]  # once per sentence, though overlaps revisit some
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    i = covered = 0  # covered: sentences up to here are in a passage already
    while i < len(sentences):
        j, tokens = i, 0
        while j < len(sentences):
            cost = costs[j]
            if j > i and tokens + cost > max_tokens:
                break
            tokens += cost
            j += 1
        if j <= covered:  # the overlap alone, nothing new (the next sentence is long): no overlap this time
            i = covered
            continue
        covered = j
        start, end = sentences[i][0], sentences[j - 1][1]
        body = text[start:end]
        digest = hashlib.sha1(body.encode("utf-8")).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        suffix = "" if seen[digest] == 1 else f"-{seen[digest]}"
        passages.append(Passage(id=f"{document.id}#{digest}{suffix}", doc_id=document.id, text=body, start=start,
                                end=end, language=document.language, title=document.title, source=document.source,
                                url=document.url))
        if j >= len(sentences):
            break
        i = max(j - overlap_sentences, i + 1)  # always advance, even when one sentence filled the budget
    return passages
