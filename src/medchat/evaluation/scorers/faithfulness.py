"""``faithfulness``: how much of what the answer claims is backed by the context it was given.

The answer is cut into sentences (English and Chinese); greetings, referrals ("see a doctor"),
disclaimers, escalations, refusals, questions, headings and the Sources list are not claims and are
skipped. The context is the sample's ``context``, or else the passages the assistant cited. The score
is supported claims over checked claims (``None`` without context or without claims).

With a judge, each claim is decided by one judge call (concurrently). Without one, a lexical check
stands in (``metadata["method"] = "lexical"``): a claim counts as supported when at least
``threshold`` (default 0.5) of its content words — stemmed English words without stop words, jieba
Chinese words — appear in one sentence of the context. It rewards copying and misses paraphrase and
translation, so it is a floor for offline runs, not a substitute for a judge.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.judges.judge import Judge, failure_explanation, failure_record, judge_gave_up
from medchat.evaluation.judges.jury import Jury, as_grader, convene, decide
from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.evaluation.score import Score, ScoreFn, scorer
from medchat.evaluation.scorers.safety import is_non_claim, sentences
from medchat.models.base import ChatModel

PROMPT = "faithfulness"
DEFAULT_THRESHOLD = 0.5
_MARKERS = re.compile(r"\s*\[\d+(?:\s*[,，、-]\s*\d+)*\]")  # citation markers: [1], [1, 2]


class ClaimVerdict(BaseModel):
    """What the judge answers for one claim."""

    explanation: str = Field(default="", description="one sentence on why")
    supported: bool


def claims(text: str) -> tuple[list[str], int]:
    """The answer's checkable sentences (citation markers removed) and how many sentences were skipped."""
    found: list[str] = []
    skipped = 0
    for sentence in sentences(text):
        claim = _MARKERS.sub("", sentence).strip()
        if is_non_claim(claim) or len(_content_words(claim)) < 2:
            skipped += 1
        else:
            found.append(claim)
    return found, skipped


def context_of(sample: Sample, output: Output) -> list[str]:
    """The sample's reference passages, else the quotes of the passages the answer cited."""
    if sample.context:
        return [c for c in sample.context if c.strip()]
    return [str(c["quote"]) for c in output.citations if str(c.get("quote") or "").strip()]


def lexical_support(claim: str, context: list[str]) -> tuple[float, str]:
    """The best share of the claim's content words found in one context sentence, and that sentence."""
    from medchat.knowledge.chunking import split_sentences

    words = _content_words(claim)
    best, where = 0.0, ""
    if not words:
        return best, where
    for passage in context:
        for a, b in split_sentences(passage):
            overlap = len(words & _content_words(passage[a:b])) / len(words)
            if overlap > best:
                best, where = overlap, passage[a:b]
    return best, where


def _content_words(text: str) -> set[str]:
    from medchat.knowledge.tokenize import content_words

    return content_words(text)


def _render_context(context: list[str]) -> str:
    return "\n\n".join(f"[{i}] {passage.strip()}" for i, passage in enumerate(context, 1))


@scorer("faithfulness")
def faithfulness(judge: ChatModel | Judge | Jury | list[ChatModel] | None = None,
                 threshold: float = DEFAULT_THRESHOLD) -> ScoreFn:
    """Supported share of the answer's claims; judged by ``judge`` (a jury: each claim by its majority, a split
    jury counting it unsupported), or lexically when there is none."""
    if not 0 < threshold <= 1:
        raise ConfigError(f"faithfulness threshold must be in (0, 1], not {threshold}")
    grader = as_grader(judge)

    async def score(sample: Sample, output: Output) -> Score:
        context = context_of(sample, output)
        if not context:
            return Score(value=None, explanation="no context to check the answer against")
        found, skipped = claims(output.text)
        method = "judge" if grader is not None else "lexical"
        if not found:
            return Score(value=None, explanation="the answer makes no factual claims to check",
                         metadata={"method": method, "claims": [], "skipped": skipped})
        if grader is None:
            return _lexical(found, skipped, context, threshold)
        if isinstance(grader, Jury):
            return await convene(grader, PROMPT, lambda j: _judged(j, found, skipped, context),
                                 lambda scores: _jury_score(scores, skipped))
        return await _judged(grader, found, skipped, context)

    return score


def _lexical(found: list[str], skipped: int, context: list[str], threshold: float) -> Score:
    checked: list[dict[str, Any]] = []
    for claim in found:
        overlap, where = lexical_support(claim, context)
        checked.append({"claim": claim, "supported": overlap >= threshold, "overlap": round(overlap, 3),
                        "evidence": where[:200]})
    supported = sum(entry["supported"] for entry in checked)
    return Score(value=supported / len(checked),
                 explanation=f"{supported} of {len(checked)} claims share ≥{threshold:.0%} of their words "
                             "with a context sentence (lexical check, no judge)",
                 metadata={"method": "lexical", "threshold": threshold, "claims": checked, "skipped": skipped})


async def _judged(grader: Judge, found: list[str], skipped: int, context: list[str]) -> Score:
    rendered = _render_context(context)

    async def decide(claim: str) -> Any:
        try:
            return await grader.ask(PROMPT, ClaimVerdict, context=rendered, claim=claim)
        except Exception as exc:
            if judge_gave_up(exc):
                return exc
            raise

    verdicts = await asyncio.gather(*(decide(claim) for claim in found))
    checked: list[dict[str, Any]] = []
    failures: list[BaseException] = []
    attempts = 0
    for claim, verdict in zip(found, verdicts, strict=True):
        if isinstance(verdict, BaseException):
            failures.append(verdict)
            attempts += getattr(verdict, "attempts", 0)
            checked.append({"claim": claim, "supported": None, "explanation": failure_explanation(verdict)})
        else:
            attempts += verdict.attempts
            checked.append({"claim": claim, "supported": verdict.value.supported,
                            "explanation": verdict.value.explanation, "attempts": verdict.attempts})
    record: dict[str, Any] = {"model": grader.name, "prompt": grader.prompt(PROMPT).id, "attempts": attempts,
                              "calls": len(found)}
    metadata: dict[str, Any] = {"method": "judge", "judge": record, "claims": checked, "skipped": skipped}
    if failures:
        record.update(failed=len(failures), error=failure_record(grader, PROMPT, failures[0]).get("error"))
        return Score(value=None, explanation=failure_explanation(failures[0]), metadata=metadata)
    supported = sum(bool(entry["supported"]) for entry in checked)
    return Score(value=supported / len(checked), explanation=f"{supported} of {len(checked)} claims supported",
                 metadata=metadata)


def _jury_score(scores: dict[str, Score], skipped: int) -> Score:
    names = list(scores)
    claimed = [scores[n].metadata["claims"] for n in names]
    checked = decide(claimed, "supported", [False] * len(claimed[0]), names)
    supported = sum(bool(entry["supported"]) for entry in checked)
    return Score(value=supported / len(checked),
                 explanation=f"{supported} of {len(checked)} claims supported by the jury's majority",
                 metadata={"method": "judge", "claims": checked, "skipped": skipped})
