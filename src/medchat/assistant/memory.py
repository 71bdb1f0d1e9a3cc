"""Conversation memory within a token budget: keep the most recent turns that fit, drop the oldest."""

from __future__ import annotations

from medchat.knowledge.chunking import count_tokens
from medchat.types import Message


def fit_history(history: list[Message], budget_tokens: int) -> tuple[list[Message], int]:
    """The newest turns whose total estimated tokens fit ``budget_tokens``, and how many were dropped.

    Turns are kept whole and in order; an assistant reply is never kept without the question before it.
    """
    kept: list[Message] = []
    used = 0
    for message in reversed([m for m in history if m.role != "system"]):
        cost = count_tokens(message.content) + 4  # role markers and separators
        if used + cost > budget_tokens:
            break
        kept.append(message)
        used += cost
    kept.reverse()
    if kept and kept[0].role == "assistant":
        kept = kept[1:]
    dropped = len([m for m in history if m.role != "system"]) - len(kept)
    return kept, dropped
