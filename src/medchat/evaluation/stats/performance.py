"""Speed and spend: latency, time-to-first-token and throughput percentiles, tokens and cost per model (and
per task), the answers a fallback model gave (by reason), and the raw per-answer timings the report plots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from medchat.evaluation.results import SampleResult


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
    answer had a price. ``fallbacks`` counts the answers a fallback model gave instead of this one, by the reason
    it was passed over (``Output.fallback``; empty when none did).
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
    fallbacks: dict[str, int] = Field(default_factory=dict)

    @property
    def cost_per_answer(self) -> float | None:
        return self.cost_usd / self.cost_known if self.cost_usd is not None and self.cost_known else None


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
            cost_usd=sum(t.cost_usd) if t.cost_usd else None, cost_known=len(t.cost_usd),
            fallbacks=fallback_counts(answered).get(model, {})))
    return out


def fallback_counts(results: Iterable[SampleResult]) -> dict[str, dict[str, int]]:
    """``{model: {reason: answers}}``: how many of each model's answers a fallback model gave, by the reason the
    model was passed over (``Output.fallback``); a model no fallback answered for is left out."""
    out: dict[str, dict[str, int]] = {}
    for result in results:
        mark = result.output.fallback if result.error is None and result.output is not None else None
        if mark:
            reasons = out.setdefault(result.model, {})
            reason = mark.get("reason") or "unknown"
            reasons[reason] = reasons.get(reason, 0) + 1
    return out


def describe_fallbacks(reasons: dict[str, int]) -> str:
    """``3 (rate_limited 2, timeout 1)``: the answers a fallback gave and why, most frequent reason first;
    ``""`` for none."""
    if not reasons:
        return ""
    ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return f"{sum(reasons.values())} (" + ", ".join(f"{reason} {n}" for reason, n in ordered) + ")"
