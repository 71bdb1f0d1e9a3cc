"""Speed and cost of each answer as metrics, so reports can put them beside quality with the same
statistics (means, confidence intervals, paired comparisons between models)."""

from __future__ import annotations

from medchat.evaluation.output import Output
from medchat.evaluation.sample import Sample
from medchat.evaluation.score import Score, ScoreFn, scorer


def performance_metrics(output: Output) -> dict[str, float]:
    """Latency (``timing.total_s``), time to first token, time per output token, output tokens per second,
    output tokens and cost in USD; measurements the provider or client did not give are left out.

    ``latency_s`` and ``ttft_s`` are the answering attempt's; ``e2e_s`` is what the sample waited in all
    (failed attempts, timeouts and backoff included; the latency when nothing was retried around the call)
    and ``attempts`` the tries it took."""
    timing = output.timing
    values: dict[str, float | None] = {
        "latency_s": timing.total_s,
        "ttft_s": timing.ttft_s,
        "e2e_s": timing.e2e_s if timing.e2e_s is not None else timing.total_s,
        "attempts": float(timing.attempts),
        "tpot_s": timing.tpot_s,
        "tokens_per_s": timing.tokens_per_s,
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
        if values["attempts"] > 1:
            parts.append(f"{int(values['attempts'])} attempts, {values['e2e_s']:.2f} s in all")
        if "cost_usd" in values:
            parts.append(f"${values['cost_usd']:.6f}")
        return Score(value=values, explanation=", ".join(parts), metadata={"tokens_estimated": output.usage.estimated})

    return score
