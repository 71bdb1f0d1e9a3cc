"""What of the retrieved passages goes into the prompt: all of them, or, within a token budget, the sentences
that share most words with the question.

Why a budget: a model computing on this machine's CPU reads a prompt token at about the cost of generating
one (SmolLM2 on one core: ~100 prompt tokens/s against ~56 generated), so four whole passages (600–1,400 tokens)
made the guarded assistant's turn 4–10× the bare model's on the same question. The constitution before them is
the same every turn and comes from saved state; the sources change every turn and are read in full.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from medchat.knowledge.base import SearchResult
from medchat.knowledge.chunking import count_tokens, split_sentences

#: ``source_tokens = "auto"``: the budget for a model that computes on this machine's CPU (None: no budget).
CPU_SOURCE_TOKENS = 240
GAP = " … "


@dataclass(frozen=True)
class PromptSource:
    """One retrieved passage and the text of it the model is given."""

    result: SearchResult
    text: str


def token_counter(model: Any) -> Callable[[str], int]:
    """How the budget counts: in the model's own tokens where it can count them (``count_tokens`` of a llama.cpp
    model, which waits for its load: SmolLM2 spends ~1.9 tokens on a Chinese character, which the estimate counts as
    one), else ``chunking.count_tokens``'s estimate. Blocking: call it on a worker thread."""
    count = getattr(model, "count_tokens", None)
    if count is None or count("") is None:
        return count_tokens
    return count  # type: ignore[no-any-return]


def source_budget(setting: int | str, model: Any) -> int | None:
    """The sources' budget in tokens (see ``token_counter``): the setting, none for ``"all"``, and
    for ``"auto"`` ``CPU_SOURCE_TOKENS`` when the model computes on the CPU here (its ``runs_on_cpu``), else none."""
    if setting == "all":
        return None
    if setting != "auto":
        return int(setting)
    return CPU_SOURCE_TOKENS if getattr(model, "runs_on_cpu", False) else None


def fit_sources(results: Sequence[SearchResult], question: str, budget: int | None,
                count: Callable[[str], int] = count_tokens) -> list[PromptSource]:
    """``results`` in rank order, each cut to fit its share of ``budget``: an equal share of what the passages
    before it left. A passage over its share keeps its sentences with most words of the question (the earlier
    on a tie), in their own order; if even its best sentence is over, that sentence is cut at a word. A passage
    left no room is dropped. ``budget=None``: every passage whole."""
    if budget is None:
        return [PromptSource(r, r.passage.text) for r in results]
    from medchat.knowledge.tokenize import content_words

    wanted = content_words(question)
    chosen: list[PromptSource] = []
    left = budget
    for index, result in enumerate(results):
        share = left // (len(results) - index)
        text = result.passage.text
        if count(text) > share:
            text = _best_sentences(text, wanted, share, content_words, count)
        if text:
            chosen.append(PromptSource(result, text))
            left -= count(text)
    return chosen


def _best_sentences(text: str, wanted: set[str], share: int, words_of: Any, count: Callable[[str], int]) -> str:
    spans = split_sentences(text)
    scored = sorted(range(len(spans)), key=lambda i: (-len(wanted & words_of(text[slice(*spans[i])])), i))
    kept: list[int] = []
    used = 0
    for i in scored:
        cost = count(text[slice(*spans[i])])
        if used + cost <= share:
            kept.append(i)
            used += cost
    if not kept:
        return _cut(text[slice(*spans[scored[0]])], share, count) if spans and share > 0 else ""
    kept.sort()
    pieces = [text[slice(*spans[kept[0]])]]
    for previous, i in pairwise(kept):
        pieces.append((" " if i == previous + 1 else GAP) + text[slice(*spans[i])])
    return "".join(pieces)


def _cut(sentence: str, share: int, count: Callable[[str], int]) -> str:
    """The longest start of ``sentence`` within ``share`` estimated tokens, cut at a word (or, in Chinese text,
    at a character), marked with an ellipsis."""
    lo, hi = 0, len(sentence)
    while lo < hi:  # the longest start that fits: count_tokens grows with the length
        mid = (lo + hi + 1) // 2
        if count(sentence[:mid]) <= share:
            lo = mid
        else:
            hi = mid - 1
    head = sentence[:lo]
    if lo < len(sentence) and sentence[lo:lo + 1].isalnum() and " " in head:
        head = head.rsplit(" ", 1)[0]  # not half a word
    return head.rstrip() + "…" if head.strip() else ""
