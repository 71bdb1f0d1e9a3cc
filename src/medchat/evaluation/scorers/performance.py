"""Speed and cost of each answer as metrics, so reports can put them beside quality with the same
statistics (means, confidence intervals, paired comparisons between models)."""

from __future__ import annotations

from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.evaluation.score import Score, ScoreFn, scorer


def performance_metrics(output: Output) -> dict[str, float]:
    """Latency (``timing.total_s``), time to first token, time per output token, output tokens per second,
    output tokens and cost in USD; measurements the provider or client did not give are left out."""
    values: dict[str, float | None] = {
        "latency_s": output.timing.total_s,
        "ttft_s": output.timing.ttft_s,
        "tpot_s": output.timing.tpot_s,
        "tokens_per_s": output.timing.tokens_per_s,
        "output_tokens": float(output.usage.completion_tokens),
        "cost_usd": output.cost_usd,
    }
    return {key: float(value) for key, value in values.items() if value is not None}


@scorer("performance")
def performance() -> ScoreFn:
    """Named numbers for every answer (no reference needed): ``performance.latency_s``, ``.cost_usd``..."""

    async def score(sample: Sample, output: Output) -> Score:
        values = performance_metrics(output)
        parts = [f"{values['latency_s']:.2f} s", f"{int(values['output_tokens'])} tokens"]
        if "cost_usd" in values:
            parts.append(f"${values['cost_usd']:.6f}")
        return Score(value=values, explanation=", ".join(parts), metadata={"tokens_estimated": output.usage.estimated})

    return score
