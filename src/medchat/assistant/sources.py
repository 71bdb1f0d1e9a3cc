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

#: ``source_tokens = "auto"``: the budget for a model that computes on this machine's CPU (None: no budget), citation
#: lines ("[1] Title: ") included.
CPU_SOURCE_TOKENS = 180
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
    """``results`` in rank order, within ``budget``: the sentences of all the passages pooled and taken by how many
    words of the question they share (on a tie, the higher-ranked passage's, then the earlier), each passage's kept
    sentences in their own order (" … " where one was skipped). A passage with nothing kept is dropped. The budget
    counts what the sources cost the prompt: a passage's first sentence pays for its citation line ("[1] Title: "),
    and a sentence two passages share is kept once. If not even the best sentence
    fits, it is cut at a word. ``budget=None``: every passage whole.

    Why pooled rather than an equal share per passage: a share is spent on a passage's weak sentences while another
    passage's on-topic ones wait, and a Chinese sentence (~1.9 SmolLM2 tokens a character) is longer than most
    shares. Measured on the bundled questions' reference answers (docs/benchmarks.md): pooled at 180 tokens with the
    citation lines keeps as much of their words as the earlier 160 without them, in 8 (en) and 26 (zh) fewer tokens."""
    if budget is None:
        return [PromptSource(r, r.passage.text) for r in results]
    from medchat.knowledge.tokenize import content_words

    wanted = content_words(question)
    pool: list[tuple[int, int, int, str]] = []  # (-shared words, passage rank, sentence index, sentence)
    for rank, result in enumerate(results):
        text = result.passage.text
        for index, (start, end) in enumerate(split_sentences(text)):
            sentence = text[start:end]
            pool.append((-len(wanted & content_words(sentence)), rank, index, sentence))
    pool.sort(key=lambda item: item[:3])
    kept: dict[int, list[tuple[int, str]]] = {}
    seen: set[str] = set()
    # a passage's first sentence also brings its citation line ("[2] Title: "): the budget is what the sources cost
    lines = [count(f"[{rank + 1}] {result.passage.title}: ") for rank, result in enumerate(results)]
    used = 0
    for _, rank, index, sentence in pool:
        same = " ".join(sentence.split())
        if same in seen:  # two passages (chunks of one page, or pages quoting one another) saying the same
            continue
        cost = count(sentence) + (0 if rank in kept else lines[rank])
        if used + cost <= budget:
            kept.setdefault(rank, []).append((index, sentence))
            seen.add(same)
            used += cost
    if not kept:
        if pool and budget > 0 and (head := _cut(pool[0][3], budget, count)):
            return [PromptSource(results[pool[0][1]], head)]
        return []
    chosen = []
    for rank in sorted(kept):
        sentences = sorted(kept[rank])
        pieces = [sentences[0][1]]
        for (previous, _), (index, sentence) in pairwise(sentences):
            pieces.append((" " if index == previous + 1 else GAP) + sentence)
        chosen.append(PromptSource(results[rank], "".join(pieces)))
    return chosen


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
