"""Paired comparisons of two models on the same samples: the mean difference with a paired bootstrap
interval, McNemar's exact test for 0/1 metrics, and a plain-language verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel

from medchat.errors import ConfigError
from medchat.evaluation.results import SampleResult
from medchat.evaluation.stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, bootstrap_means, check_settings
from medchat.evaluation.stats.summaries import higher_is_better, metric_order, sample_values

SampleKey = tuple[str, str]  # (task, sample_id)


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

    check_settings(resamples, confidence)
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
            boot = bootstrap_means(d, resamples, seed)
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
