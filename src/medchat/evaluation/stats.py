"""Statistics over a run's results: means with bootstrap confidence intervals, per-tag breakdowns, paired
comparisons of two models on the same samples, and latency/cost distributions.

The unit of resampling is the *sample*: epochs of one sample are averaged first (they are repeated
measurements of the same item, not independent evidence), then samples are resampled. Intervals are
percentile bootstrap intervals from a seeded generator, so the same results always give the same report.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from medchat.errors import ConfigError
from medchat.evaluation.results import SampleResult

if TYPE_CHECKING:
    import numpy as np

RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 0
_CHUNK_CELLS = 2_000_000  # resamples × samples per vectorised block, to bound memory on large runs

TagKind = Literal["sample", "rubric"]
SampleKey = tuple[str, str]  # (task, sample_id)


# ---------------------------------------------------------------------------------------------- models


class Estimate(BaseModel):
    """A mean with its bootstrap interval; ``ci_low``/``ci_high`` are ``None`` when ``n < 2`` (one value says
    nothing about spread)."""

    n: int
    mean: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    std: float | None = None

    @property
    def has_ci(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None


class MetricSummary(Estimate):
    """One metric of one model on one task, over all samples or those with one tag.

    ``corpus`` marks metrics computed over the whole set of answers at once (``choice.macro_f1``) rather than
    averaged per sample. ``epochs`` is the largest number of epochs averaged into one sample's value.
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


class Comparison(BaseModel):
    """Model A against model B on one metric, over the samples both answered.

    ``diff`` is mean(A) − mean(B) over shared samples. ``p_value`` comes from McNemar's exact test when the
    metric is 0/1 on every shared sample (``test="mcnemar"``; ``b`` = A right and B wrong, ``c`` = the
    reverse), else from the paired bootstrap. ``verdict`` says it in one plain sentence.
    """

    task: str
    metric: str
    model_a: str
    model_b: str
    n: int
    only_a: int = 0
    only_b: int = 0
    mean_a: float | None = None
    mean_b: float | None = None
    diff: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    bootstrap_p: float | None = None
    test: Literal["mcnemar", "bootstrap", "none"] = "none"
    b: int | None = None
    c: int | None = None
    confidence: float = CONFIDENCE
    significant: bool = False
    higher_is_better: bool = True
    verdict: str = ""


class Distribution(BaseModel):
    """Percentiles of a measured quantity (seconds, tokens per second)."""

    n: int
    mean: float
    p50: float
    p90: float
    p99: float
    min: float
    max: float


class Performance(BaseModel):
    """Speed and spend of one model (on one task, or over all tasks when ``task`` is ``None``).

    ``cost_usd`` sums the answers whose cost is known (``cost_known`` of ``answers``); it is ``None`` when no
    answer had a price.
    """

    model: str
    task: str | None = None
    answers: int
    errors: int
    ttft_s: Distribution | None = None
    total_s: Distribution | None = None
    tokens_per_s: Distribution | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    cost_known: int = 0

    @property
    def cost_per_answer(self) -> float | None:
        return self.cost_usd / self.cost_known if self.cost_usd is not None and self.cost_known else None


# ---------------------------------------------------------------------------------------------- bootstrap


def _rng(seed: int) -> np.random.Generator:
    import numpy as np

    return np.random.default_rng(seed)


def _draws(rng: np.random.Generator, n: int, resamples: int) -> Iterable[np.ndarray]:
    """Blocks of bootstrap draws: each row is one resample of ``n`` item indices (drawn with replacement)."""
    block = max(1, min(resamples, _CHUNK_CELLS // max(n, 1)))
    done = 0
    while done < resamples:
        rows = min(block, resamples - done)
        yield rng.integers(0, n, size=(rows, n))
        done += rows


def _resample_counts(rng: np.random.Generator, n: int, resamples: int) -> Iterable[np.ndarray]:
    """Blocks of bootstrap multiplicities: row ``r`` says how often each of the ``n`` items was drawn."""
    import numpy as np

    for draws in _draws(rng, n, resamples):
        rows = len(draws)
        flat = (draws + n * np.arange(rows)[:, None]).ravel()
        yield np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(np.float64)


def _bootstrap_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    return _concat([values[draws].mean(axis=1) for draws in _draws(_rng(seed), len(values), resamples)])


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    import numpy as np

    return np.concatenate(parts) if parts else np.empty(0)


def _check(resamples: int, confidence: float) -> None:
    if resamples < 1:
        raise ConfigError(f"resamples must be at least 1, not {resamples}", hint="the usual value is 2000")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must be between 0 and 1, not {confidence}", hint="e.g. 0.95")


def bootstrap_mean(
    values: Sequence[float], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = SEED
) -> Estimate:
    """The mean of ``values`` with a percentile bootstrap interval (``None`` bounds for fewer than 2 values)."""
    import numpy as np

    _check(resamples, confidence)
    data = np.asarray(values, dtype=np.float64)
    n = len(data)
    if n == 0:
        return Estimate(n=0, mean=None)
    mean = float(data.mean())
    if n == 1:
        return Estimate(n=1, mean=mean)
    boot = _bootstrap_means(data, resamples, seed)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha])
    return Estimate(n=n, mean=mean, ci_low=float(low), ci_high=float(high),
                    std=float(data.std(ddof=1)))


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
    _check(resamples, confidence)
    table = sample_values(results)
    epochs = _epochs(results)
    order = {metric: i for i, metric in enumerate(metric_order(results))}
    out: list[MetricSummary] = []
    for (task, model), samples in table.items():
        metrics = sorted({m for values in samples.values() for m in values}, key=lambda m: order.get(m, len(order)))
        for metric in metrics:
            values = [v[metric] for v in samples.values() if metric in v]
            out.append(_summary(task, model, metric, values, resamples=resamples, confidence=confidence, seed=seed,
                                epochs=epochs.get((task, model), {}).get(metric, 1)))
    out.extend(corpus_metrics(results, resamples=resamples, confidence=confidence, seed=seed))
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
    _check(resamples, confidence)
    table = sample_values(results)
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
                                    confidence=confidence, seed=seed, tag=tag, tag_kind="sample"))
    for (task, model, scorer, tag), values in _rubric_tag_values(results).items():
        out.append(_summary(task, model, scorer, values, resamples=resamples, confidence=confidence, seed=seed,
                            tag=tag, tag_kind="rubric"))
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
    for counts in _resample_counts(_rng(seed), len(sample_ids), resamples):
        weights = counts[:, owner]
        g, p, tp = weights @ gold, weights @ pred, weights @ hit
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(g > 0, 2 * tp / (g + p), np.nan)
        parts.append(np.nanmean(f1, axis=1))
    return _concat(parts)


# ---------------------------------------------------------------------------------------------- comparisons


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: under no difference, the ``b + c`` discordant pairs split like fair
    coin flips, so p = 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1."""
    if b < 0 or c < 0:
        raise ConfigError(f"McNemar counts must be non-negative (b={b}, c={c})")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2**n)


def _decimals(*values: float) -> int:
    """Decimals that show the smallest non-zero of ``values`` (an interval's width, a difference) to two
    significant digits, at least 2: 0.12 and 0.05–0.19 print alike, 0.0004 does not become 0.00."""
    sizes = [abs(v) for v in values if v]
    return max(2, min(8, 1 - math.floor(math.log10(min(sizes))))) if sizes else 2


def _fmt(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}".replace("-", "−")


def format_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}" if p < 0.01 else f"p = {p:.2f}"


def _interval(low: float, high: float, decimals: int) -> str:
    sep = "–" if low >= 0 else " to "
    return f"{_fmt(low, decimals)}{sep}{_fmt(high, decimals)}"


def _verdict(cmp: Comparison) -> str:
    if cmp.n == 0 or cmp.diff is None:
        return f"no shared samples: {cmp.model_a} and {cmp.model_b} cannot be compared on {cmp.metric}"
    level = f"{round(cmp.confidence * 100):g} %"
    if cmp.ci_low is None or cmp.ci_high is None or cmp.p_value is None:
        return f"too few shared samples (n = {cmp.n}) to tell {cmp.model_a} and {cmp.model_b} apart on {cmp.metric}"
    places = _decimals(cmp.ci_high - cmp.ci_low, cmp.diff)
    if not cmp.significant:
        return (f"no reliable difference on {cmp.metric}: {cmp.model_a} − {cmp.model_b} = {_fmt(cmp.diff, places)} "
                f"({level} CI {_interval(cmp.ci_low, cmp.ci_high, places)}, {format_p(cmp.p_value)}, n = {cmp.n})")
    a_wins = cmp.diff > 0
    winner, loser = (cmp.model_a, cmp.model_b) if a_wins else (cmp.model_b, cmp.model_a)
    low, high = (cmp.ci_low, cmp.ci_high) if a_wins else (-cmp.ci_high, -cmp.ci_low)
    if cmp.higher_is_better:
        lead = f"{winner} scores higher than {loser} on {cmp.metric}"
    else:  # "higher" is worse: say which is lower, and that lower is the better end
        winner, loser = loser, winner
        lead = f"{winner} is lower (better) than {loser} on {cmp.metric}"
    return (f"{lead} by {_fmt(abs(cmp.diff), places)} ({level} CI {_interval(low, high, places)}); "
            f"the difference is unlikely to be chance ({format_p(cmp.p_value)}, n = {cmp.n})")


def paired_comparison(
    a: Mapping[str, float] | Mapping[SampleKey, float],
    b: Mapping[str, float] | Mapping[SampleKey, float],
    *,
    metric: str,
    model_a: str,
    model_b: str,
    task: str = "",
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Comparison:
    """Compare per-sample values of two models on the samples both have (keys present in ``a`` and ``b``).

    The paired bootstrap resamples shared samples and gives the interval of the mean difference; its
    p-value is the share of resampled differences, re-centred on zero, at least as far from zero as the
    observed one. For 0/1 metrics McNemar's exact test supplies the p-value instead.
    """
    import numpy as np

    _check(resamples, confidence)
    shared = [key for key in a if key in b]
    cmp = Comparison(task=task, metric=metric, model_a=model_a, model_b=model_b, n=len(shared),
                     only_a=len(a) - len(shared), only_b=len(b) - len(shared), confidence=confidence,
                     higher_is_better=higher_is_better(metric))
    if shared:
        xa = np.array([a[k] for k in shared], dtype=np.float64)  # type: ignore[index]
        xb = np.array([b[k] for k in shared], dtype=np.float64)  # type: ignore[index]
        d = xa - xb
        cmp.mean_a, cmp.mean_b, cmp.diff = float(xa.mean()), float(xb.mean()), float(d.mean())
        if len(shared) >= 2:
            boot = _bootstrap_means(d, resamples, seed)
            alpha = (1 - confidence) / 2
            low, high = np.quantile(boot, [alpha, 1 - alpha])
            cmp.ci_low, cmp.ci_high = float(low), float(high)
            extreme = np.abs(boot - cmp.diff) >= abs(cmp.diff) - 1e-12
            cmp.bootstrap_p = float((1 + extreme.sum()) / (len(boot) + 1)) if cmp.diff != 0 else 1.0
            binary = bool(np.isin(xa, (0.0, 1.0)).all() and np.isin(xb, (0.0, 1.0)).all())
            if binary:
                cmp.b = int(((xa == 1) & (xb == 0)).sum())
                cmp.c = int(((xa == 0) & (xb == 1)).sum())
                cmp.p_value, cmp.test = mcnemar_exact(cmp.b, cmp.c), "mcnemar"
            else:
                cmp.p_value, cmp.test = cmp.bootstrap_p, "bootstrap"
            cmp.significant = cmp.p_value < 1 - confidence and cmp.diff != 0
    cmp.verdict = _verdict(cmp)
    return cmp


def compare_models(
    results_a: Sequence[SampleResult],
    results_b: Sequence[SampleResult],
    *,
    model_a: str | None = None,
    model_b: str | None = None,
    label_a: str | None = None,
    label_b: str | None = None,
    metrics: Sequence[str] | None = None,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> list[Comparison]:
    """Paired comparisons of model A (from ``results_a``) and model B (from ``results_b``) on every task and
    metric both have, matching samples by (task, sample id).

    The two lists may be one run's results (pick the models with ``model_a``/``model_b``) or two runs'. When
    a list holds one model its name is used; ``label_a``/``label_b`` rename the sides in verdicts (useful
    when the same model ran twice).
    """
    name_a, name_b = model_a or _single_model(results_a, "A"), model_b or _single_model(results_b, "B")
    table_a = sample_values(r for r in results_a if r.model == name_a)
    table_b = sample_values(r for r in results_b if r.model == name_b)
    order = metric_order([*results_a, *results_b])
    out: list[Comparison] = []
    tasks = [t for t, _ in table_a if (t, name_b) in table_b]
    for task in tasks:
        samples_a, samples_b = table_a[(task, name_a)], table_b[(task, name_b)]
        names = metrics if metrics is not None else order
        for metric in names:
            values_a = {sid: v[metric] for sid, v in samples_a.items() if metric in v}
            values_b = {sid: v[metric] for sid, v in samples_b.items() if metric in v}
            if not values_a or not values_b:
                continue
            out.append(paired_comparison(values_a, values_b, metric=metric, task=task, model_a=label_a or name_a,
                                         model_b=label_b or name_b, resamples=resamples, confidence=confidence,
                                         seed=seed))
    return out


def _single_model(results: Sequence[SampleResult], side: str) -> str:
    models = sorted({r.model for r in results})
    if len(models) != 1:
        found = ", ".join(models) or "none"
        raise ConfigError(f"results {side} hold {len(models)} models ({found}); say which to compare",
                          hint=f"pass model_{side.lower()}=...")
    return models[0]


# ---------------------------------------------------------------------------------------------- performance


def distribution(values: Sequence[float]) -> Distribution | None:
    """p50/p90/p99 (linear interpolation), mean and range; ``None`` for no values."""
    import numpy as np

    if not values:
        return None
    data = np.asarray(values, dtype=np.float64)
    p50, p90, p99 = np.percentile(data, [50, 90, 99])
    return Distribution(n=len(data), mean=float(data.mean()), p50=float(p50), p90=float(p90), p99=float(p99),
                        min=float(data.min()), max=float(data.max()))


class Timings(BaseModel):
    """Raw per-answer measurements of one model, kept for plots."""

    ttft_s: list[float] = Field(default_factory=list)
    total_s: list[float] = Field(default_factory=list)
    tokens_per_s: list[float] = Field(default_factory=list)
    cost_usd: list[float] = Field(default_factory=list)


def timings(results: Iterable[SampleResult]) -> dict[str, Timings]:
    """Per-model raw timings from each answer's ``Output`` (a ``total_s`` of 0 means "not measured", as for
    recorded answers, and is left out)."""
    out: dict[str, Timings] = defaultdict(Timings)
    for result in results:
        output = result.output
        t = out[result.model]
        if result.error is not None or output is None:
            continue
        if output.timing.ttft_s is not None:
            t.ttft_s.append(output.timing.ttft_s)
        if output.timing.total_s > 0:
            t.total_s.append(output.timing.total_s)
        if output.timing.tokens_per_s is not None:
            t.tokens_per_s.append(output.timing.tokens_per_s)
        if output.cost_usd is not None:
            t.cost_usd.append(output.cost_usd)
    return dict(out)


def performance(results: Sequence[SampleResult], *, by_task: bool = False) -> list[Performance]:
    """Latency and throughput percentiles, tokens and total cost per model (and per task with ``by_task``)."""
    groups: dict[tuple[str, str | None], list[SampleResult]] = defaultdict(list)
    for result in results:
        groups[(result.model, result.task if by_task else None)].append(result)
    out: list[Performance] = []
    for (model, task), group in groups.items():
        t = timings(group).get(model, Timings())
        answered = [r for r in group if r.error is None and r.output is not None]
        out.append(Performance(
            model=model, task=task, answers=len(answered), errors=sum(r.error is not None for r in group),
            ttft_s=distribution(t.ttft_s), total_s=distribution(t.total_s),
            tokens_per_s=distribution(t.tokens_per_s),
            prompt_tokens=sum(r.output.usage.prompt_tokens for r in answered if r.output),
            completion_tokens=sum(r.output.usage.completion_tokens for r in answered if r.output),
            cost_usd=sum(t.cost_usd) if t.cost_usd else None, cost_known=len(t.cost_usd)))
    return out
