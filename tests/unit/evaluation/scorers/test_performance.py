"""The performance scorer turns an answer's timing, token count and cost into named metrics."""

from __future__ import annotations

import pytest

from medchat.evaluation import Output, Sample, get_scorer
from medchat.types import Timing, Usage

SAMPLE = Sample(id="s", input="What is a normal resting heart rate?")  # no reference needed


async def test_all_measurements() -> None:
    output = Output(text="60 to 100 beats per minute for most adults.", model="test/model",
                    usage=Usage(prompt_tokens=12, completion_tokens=11),
                    timing=Timing(ttft_s=0.2, total_s=1.2, tpot_s=0.1, tokens_per_s=11 / 1.2), cost_usd=0.00042)
    score = await get_scorer("performance")(SAMPLE, output)
    assert score.value == pytest.approx({"latency_s": 1.2, "ttft_s": 0.2, "tpot_s": 0.1, "tokens_per_s": 11 / 1.2,
                                         "e2e_s": 1.2, "attempts": 1.0, "output_tokens": 11.0, "cost_usd": 0.00042})
    assert score.metrics("performance")["performance.cost_usd"] == pytest.approx(0.00042)
    assert score.metadata == {"tokens_estimated": False}
    assert "1.20 s" in score.explanation
    assert "$0.000420" in score.explanation


async def test_missing_measurements_are_left_out() -> None:
    output = Output(text="ok", model="test/model", usage=Usage(completion_tokens=1, estimated=True),
                    timing=Timing(total_s=0.5))
    score = await get_scorer("performance")(SAMPLE, output)
    assert score.value == {"latency_s": 0.5, "e2e_s": 0.5, "attempts": 1.0, "output_tokens": 1.0}
    assert score.metadata == {"tokens_estimated": True}
    assert "$" not in score.explanation


async def test_retries_show_as_attempts_and_end_to_end_time() -> None:
    # the answering attempt took 0.4 s; two failed ones, their timeouts and backoff made the sample wait 6.1 s
    output = Output(text="ok", model="test/model", timing=Timing(ttft_s=0.4, total_s=0.4, e2e_s=6.1, attempts=3))
    score = await get_scorer("performance")(SAMPLE, output)
    assert isinstance(score.value, dict)
    assert score.value["latency_s"] == 0.4 and score.value["ttft_s"] == 0.4
    assert score.value["e2e_s"] == 6.1 and score.value["attempts"] == 3.0
    assert "3 attempts, 6.10 s in all" in score.explanation


async def test_a_free_local_model_costs_zero_not_nothing() -> None:
    output = Output(text="ok", model="builtin/smollm2", timing=Timing(total_s=0.1), cost_usd=0.0)
    score = await get_scorer("performance")(SAMPLE, output)
    assert isinstance(score.value, dict)
    assert score.value["cost_usd"] == 0.0
