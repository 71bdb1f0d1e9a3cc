"""Per-metric summaries of a run: every metric of every (task, model) as a mean over samples with its
bootstrap interval, per-tag breakdowns (sample tags and rubric criterion tags), corpus metrics such as
macro-F1, and answer coverage.

The unit is the *sample*: epochs of one sample are averaged first (they are repeated measurements of the
same item, not independent evidence), then samples are resampled.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from medchat.evaluation.results import SampleResult
from medchat.evaluation.stats.bootstrap import (
    CONFIDENCE,
    RESAMPLES,
    SEED,
    Estimate,
    bootstrap_mean,
    check_settings,
    concat,
    generator,
    resample_counts,
)

if TYPE_CHECKING:
    import numpy as np

TagKind = Literal["sample", "rubric"]


class MetricSummary(Estimate):
    """One metric of one model on one task, over all samples or those with one tag.

    ``corpus`` marks metrics computed over the whole set of answers at once (``choice.macro_f1``) rather than
    averaged per sample. ``epochs`` is the largest number of epochs averaged into one sample's value.
    ``judges`` are the judge models whose verdicts gave a judge-based metric (``Score.judge``); empty for every
    other metric. Whether a judge can be trusted is ``medchat.evaluation.judges.trust``'s to say.
    """

    task: str
    model: str
    metric: str
    tag: str | None = None
    tag_kind: TagKind | None = None
    corpus: bool = False
    epochs: int = 1
    min: float | None = None
    max: float | None = None
    judges: list[str] = Field(default_factory=list)


class Coverage(BaseModel):
    """How many answers a model gave on a task, and how many failed (errors are counted apart from means)."""

    task: str
    model: str
    samples: int
    results: int
    errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.results if self.results else 0.0


# ---------------------------------------------------------------------------------------------- per sample


def sample_values(results: Iterable[SampleResult]) -> dict[tuple[str, str], dict[str, dict[str, float]]]:
    """``{(task, model): {sample_id: {metric: value}}}`` with each metric averaged over the sample's epochs.

    Errored results and missing (``None``) scores are left out, so an epoch that failed does not pull a
    sample's mean down.
    """
    sums: dict[tuple[str, str], dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(dict))
    for result in results:
        if result.error is not None:
            continue
        per_sample = sums[(result.task, result.model)][result.sample_id]
        for metric, value in result.metrics().items():
            if value is not None and math.isfinite(value):
                per_sample.setdefault(metric, []).append(value)
    return {key: {sid: {m: sum(v) / len(v) for m, v in metrics.items()} for sid, metrics in samples.items()}
            for key, samples in sums.items()}


def _epochs(results: Iterable[SampleResult]) -> dict[tuple[str, str], dict[str, int]]:
    """Answered (non-error) epochs per metric for each (task, model)."""
    counts: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for result in results:
        if result.error is None:
            for metric in result.metrics():
                counts[(result.task, result.model)][(result.sample_id, metric)] += 1
    out: dict[tuple[str, str], dict[str, int]] = {}
    for key, per in counts.items():
        best: dict[str, int] = {}
        for (_, metric), count in per.items():
            best[metric] = max(best.get(metric, 0), count)
        out[key] = best
    return out


def metric_order(results: Iterable[SampleResult]) -> list[str]:
    """Every metric name in the order scorers first produced them (scorer order is the author's choice)."""
    seen: dict[str, None] = {}
    for result in results:
        for metric in result.metrics():
            seen.setdefault(metric, None)
    return list(seen)


def higher_is_better(metric: str) -> bool:
    """Quality metrics go up; times, costs and token counts (``performance.*``) go down, except throughput."""
    name = metric.rsplit(".", 1)[-1]
    if name.endswith("per_s"):
        return True
    return not (metric.startswith("performance.") or name.endswith("_s") or "cost" in name)


def metric_judges(results: Iterable[SampleResult]) -> dict[tuple[str, str, str], set[str]]:
    """``{(task, model, metric): {judge model}}`` for the metrics that judge verdicts gave."""
    out: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for result in results:
        if result.error is not None:
            continue
        for name, score in result.scores.items():
            if judges := score.judges:
                for metric in score.metrics(name):
                    out[(result.task, result.model, metric)].update(judges)
    return out


def _summary(task: str, model: str, metric: str, values: list[float], *, resamples: int, confidence: float,
             seed: int, **extra: Any) -> MetricSummary:
    estimate = bootstrap_mean(values, resamples=resamples, confidence=confidence, seed=seed)
    return MetricSummary(task=task, model=model, metric=metric, **estimate.model_dump(),
                         min=min(values) if values else None, max=max(values) if values else None, **extra)


def summarize(
    results: Sequence[SampleResult], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = SEED
) -> list[MetricSummary]:
    """Every metric of every (task, model): mean over samples with a bootstrap CI, plus corpus metrics
    (``<scorer>.macro_f1`` for classification scorers)."""
    check_settings(resamples, confidence)
    table = sample_values(results)
    epochs = _epochs(results)
    judges = metric_judges(results)
    order = {metric: i for i, metric in enumerate(metric_order(results))}
    out: list[MetricSummary] = []
    for (task, model), samples in table.items():
        metrics = sorted({m for values in samples.values() for m in values}, key=lambda m: order.get(m, len(order)))
        for metric in metrics:
            values = [v[metric] for v in samples.values() if metric in v]
            out.append(_summary(task, model, metric, values, resamples=resamples, confidence=confidence, seed=seed,
                                epochs=epochs.get((task, model), {}).get(metric, 1),
                                judges=sorted(judges.get((task, model, metric), ()))))
    out.extend(corpus_metrics(results, resamples=resamples, confidence=confidence, seed=seed))
    return out


Summaries = dict[tuple[str, str], dict[str, MetricSummary]]


def metric_summaries(results: Sequence[SampleResult]) -> Summaries:
    """Every metric per (task, model), by name: the mean over samples (epochs averaged first) with its 95 % CI;
    what ``medchat runs show`` prints and ``GET /api/runs/{id}`` answers. Metrics without a mean are left out."""
    out: Summaries = {}
    for summary in summarize(results):
        if summary.tag is None and summary.mean is not None:
            out.setdefault((summary.task, summary.model), {})[summary.metric] = summary
    return out


def coverage(results: Iterable[SampleResult]) -> list[Coverage]:
    """Answers, distinct samples and errors per (task, model)."""
    samples: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        key = (result.task, result.model)
        samples[key].add(result.sample_id)
        counts[key][0] += 1
        counts[key][1] += result.error is not None
    return [Coverage(task=t, model=m, samples=len(samples[(t, m)]), results=c[0], errors=c[1])
            for (t, m), c in counts.items()]


# ---------------------------------------------------------------------------------------------- tags


def tag_breakdown(
    results: Sequence[SampleResult], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = SEED
) -> list[MetricSummary]:
    """Metrics split by tag: every metric per sample tag (``tag_kind="sample"``), and each rubric scorer's
    per-criterion-tag scores from ``Score.metadata["tags"]`` (``tag_kind="rubric"``, metric = scorer name)."""
    check_settings(resamples, confidence)
    table = sample_values(results)
    judges = metric_judges(results)
    tags: dict[tuple[str, str], set[str]] = defaultdict(set)
    for result in results:
        tags[(result.task, result.sample_id)].update(result.tags)
    order = {metric: i for i, metric in enumerate(metric_order(results))}
    out: list[MetricSummary] = []
    for (task, model), samples in table.items():
        by_tag: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for sid, metrics in samples.items():
            for tag in tags[(task, sid)]:
                for metric, value in metrics.items():
                    by_tag[tag][metric].append(value)
        for tag in sorted(by_tag):
            for metric in sorted(by_tag[tag], key=lambda m: order.get(m, len(order))):
                out.append(_summary(task, model, metric, by_tag[tag][metric], resamples=resamples,
                                    confidence=confidence, seed=seed, tag=tag, tag_kind="sample",
                                    judges=sorted(judges.get((task, model, metric), ()))))
    for (task, model, scorer, tag), values in _rubric_tag_values(results).items():
        out.append(_summary(task, model, scorer, values, resamples=resamples, confidence=confidence, seed=seed,
                            tag=tag, tag_kind="rubric", judges=sorted(judges.get((task, model, scorer), ()))))
    return out


def _rubric_tag_values(results: Iterable[SampleResult]) -> dict[tuple[str, str, str, str], list[float]]:
    """``{(task, model, scorer, rubric_tag): [per-sample value averaged over epochs]}``."""
    per: dict[tuple[str, str, str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        if result.error is not None:
            continue
        for name, score in result.scores.items():
            tag_scores = score.metadata.get("tags") if score.value is not None else None
            if not isinstance(tag_scores, Mapping):
                continue
            for tag, value in tag_scores.items():
                if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                    per[(result.task, result.model, name, str(tag))][result.sample_id].append(float(value))
    return {key: [sum(v) / len(v) for v in samples.values()] for key, samples in sorted(per.items())}


# ---------------------------------------------------------------------------------------------- corpus metrics


def classification_pairs(results: Iterable[SampleResult]) -> dict[tuple[str, str, str], list[tuple[str, str, str]]]:
    """``{(task, model, scorer): [(sample_id, gold, predicted)]}`` from scores carrying ``metadata["label"]``.

    An answer the scorer could not extract (``None``) counts as a wrong prediction (empty string).
    """
    out: dict[tuple[str, str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for result in results:
        if result.error is not None:
            continue
        for name, score in result.scores.items():
            label = score.metadata.get("label")
            if score.value is None or label is None:
                continue
            out[(result.task, result.model, name)].append((result.sample_id, str(label), score.answer or ""))
    return dict(out)


def corpus_metrics(
    results: Sequence[SampleResult], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = SEED
) -> list[MetricSummary]:
    """``<scorer>.macro_f1`` per (task, model) for classification scorers, with a bootstrap CI over samples.

    The label set is the gold labels seen (in each resample too), so a prediction outside it (an unparsable
    answer) counts as a miss of the true class rather than adding a class of its own.
    """
    import numpy as np

    from medchat.evaluation.scorers.choice import macro_f1

    out: list[MetricSummary] = []
    for (task, model, scorer), triples in classification_pairs(results).items():
        labels = sorted({gold for _, gold, _ in triples})
        value = float(macro_f1([(g, p) for _, g, p in triples], labels=labels))
        answers = Counter(sid for sid, _, _ in triples)
        sample_ids = list(answers)
        n = len(sample_ids)
        summary = MetricSummary(task=task, model=model, metric=f"{scorer}.macro_f1", n=n, mean=value, corpus=True,
                                epochs=max(answers.values()))
        if n >= 2:
            boot = _bootstrap_macro_f1(triples, sample_ids, labels, resamples, seed)
            alpha = (1 - confidence) / 2
            low, high = np.nanquantile(boot, [alpha, 1 - alpha])
            summary.ci_low, summary.ci_high = float(low), float(high)
        out.append(summary)
    return out


def _bootstrap_macro_f1(triples: list[tuple[str, str, str]], sample_ids: list[str], labels: list[str],
                        resamples: int, seed: int) -> np.ndarray:
    """Macro-F1 of each bootstrap resample of samples, vectorised: every answer weighted by how often its
    sample was drawn; a label counts in a resample only if some drawn sample has it as gold."""
    import numpy as np

    index = {sid: i for i, sid in enumerate(sample_ids)}
    label_index = {label: k for k, label in enumerate(labels)}
    owner = np.array([index[sid] for sid, _, _ in triples])
    gold = np.zeros((len(triples), len(labels)))
    pred = np.zeros_like(gold)
    for j, (_, g, p) in enumerate(triples):
        gold[j, label_index[g]] = 1.0
        if p in label_index:
            pred[j, label_index[p]] = 1.0
    hit = gold * pred
    parts = []
    for counts in resample_counts(generator(seed), len(sample_ids), resamples):
        weights = counts[:, owner]
        g, p, tp = weights @ gold, weights @ pred, weights @ hit
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(g > 0, 2 * tp / (g + p), np.nan)
        parts.append(np.nanmean(f1, axis=1))
    return concat(parts)
