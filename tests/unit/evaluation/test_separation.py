"""Does a metric separate the systems of a run? Constant metrics, spreads far inside the intervals, clear
gaps, too few systems or samples, and the verdicts computed from real results."""

from __future__ import annotations

import pytest

from medchat.evaluation.results import SampleResult
from medchat.evaluation.score import Score
from medchat.evaluation.stats import MetricSummary, Separation, separation, separations, summarize


def summary(model: str, mean: float | None, low: float | None = None, high: float | None = None, *,
            metric: str = "rubric", task: str = "t", tag: str | None = None) -> MetricSummary:
    return MetricSummary(task=task, model=model, metric=metric, n=5, mean=mean, ci_low=low, ci_high=high, tag=tag)


def test_the_same_mean_for_every_system_does_not_separate_them() -> None:
    found = separation([summary(m, 0.487, 0.45, 0.52) for m in ("a", "b", "c")])
    assert found.verdict == "does not separate" and found.spread == 0
    assert found.marker == "no: does not separate these systems"
    assert found.text == "does not separate these systems: every system has the same mean"


def test_a_spread_far_inside_the_intervals_does_not_separate() -> None:
    found = separation([summary("a", 0.890, 0.85, 0.93), summary("b", 0.897, 0.86, 0.94),
                        summary("c", 0.900, 0.86, 0.94)])
    assert found.spread == pytest.approx(0.01) and found.ci_width == pytest.approx(0.08)
    assert found.verdict == "does not separate"
    assert found.text == "does not separate these systems (spread 0.01, typical CI width 0.08)"


def test_a_gap_as_wide_as_the_intervals_separates() -> None:
    found = separation([summary("a", 0.2, 0.1, 0.3), summary("b", 0.8, 0.7, 0.9)])
    assert found.verdict == "separates" and found.marker == "yes"
    assert found.text.startswith("separates these systems (spread 0.6")


def test_in_between_is_unclear() -> None:
    found = separation([summary("a", 0.50, 0.40, 0.60), summary("b", 0.55, 0.45, 0.65)])  # spread ½ the width
    assert found.verdict == "unclear" and found.marker == "unclear"


def test_one_system_or_none_is_not_applicable() -> None:
    assert separation([summary("a", 0.5, 0.4, 0.6)]).verdict == "n/a"
    assert separation([summary("a", 0.5, 0.4, 0.6), summary("b", None)]).verdict == "n/a"
    assert separation([]).verdict == "n/a"
    assert Separation(task="t", metric="m", systems=1).marker == ""


def test_without_intervals_only_a_constant_metric_gets_a_verdict() -> None:
    assert separation([summary("a", 1.0), summary("b", 1.0)]).verdict == "does not separate"
    found = separation([summary("a", 0.0), summary("b", 1.0)])
    assert found.verdict == "unclear" and "no CI" in found.text


def test_the_typical_width_is_the_median_so_one_wide_interval_does_not_hide_a_gap() -> None:
    found = separation([summary("a", 0.1, 0.05, 0.15), summary("b", 0.5, 0.45, 0.55), summary("c", 0.3, 0.0, 1.0)])
    assert found.ci_width == pytest.approx(0.1) and found.verdict == "separates"


def test_zero_width_intervals_of_constant_systems_do_not_make_one_lucky_hit_look_decisive() -> None:
    # two systems scored 0 on all six samples, one got a single hit: its interval is the only informative one
    found = separation([summary("a", 0.0, 0.0, 0.0), summary("b", 0.0, 0.0, 0.0), summary("c", 1 / 6, 0.0, 0.5)])
    assert found.ci_width == pytest.approx(0.5) and found.verdict == "unclear"


def test_one_verdict_per_task_and_metric_from_the_overall_summaries() -> None:
    found = separations([summary("a", 0.5, 0.4, 0.6), summary("b", 0.5, 0.4, 0.6),
                         summary("a", 0.1, 0.0, 0.2, metric="f1"), summary("b", 0.9, 0.8, 1.0, metric="f1"),
                         summary("a", 0.9, 0.8, 1.0, tag="zh"), summary("b", 0.1, 0.0, 0.2, tag="zh")])
    assert [(s.metric, s.verdict) for s in found] == [("rubric", "does not separate"), ("f1", "separates")]


def result(model: str, sample: int, value: float) -> SampleResult:
    return SampleResult(run_id="r", task="t", model=model, sample_id=f"s{sample}",
                        scores={"rubric": Score(value=value), "f1": Score(value=value if model == "good" else 0.0)})


def test_from_results_a_judge_that_gives_everyone_the_same_verdicts_is_flagged() -> None:
    values = [0.2, 0.5, 0.6, 0.4, 0.75, 0.5]
    results = [result(model, i, v) for model in ("good", "bad", "other") for i, v in enumerate(values)]
    verdicts = {s.metric: s.verdict for s in separations(summarize(results, resamples=200))}
    assert verdicts == {"rubric": "does not separate", "f1": "separates"}
