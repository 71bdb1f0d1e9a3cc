"""Statistics against known values: bootstrap intervals, epoch averaging, tags, macro-F1, McNemar, paired
comparisons and latency percentiles."""

from __future__ import annotations

import random

import pytest

from medchat.errors import ConfigError
from medchat.evaluation.output import Output
from medchat.evaluation.results import SampleResult
from medchat.evaluation.score import Score
from medchat.evaluation.stats import (
    bootstrap_mean,
    compare_models,
    corpus_metrics,
    coverage,
    distribution,
    higher_is_better,
    mcnemar_exact,
    paired_comparison,
    performance,
    sample_values,
    summarize,
    tag_breakdown,
)
from medchat.types import Timing


def result(sample_id: str, model: str = "m", *, task: str = "t", epoch: int = 0, tags: tuple[str, ...] = (),
           error: str | None = None, output: Output | None = None, **scores: Score) -> SampleResult:
    return SampleResult(run_id="r", task=task, model=model, sample_id=sample_id, epoch=epoch, tags=list(tags),
                        scores=dict(scores), error=error, output=output)


def one(summaries: list, **match: object):
    found = [s for s in summaries if all(getattr(s, k) == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------------------------------------- bootstrap


def test_bootstrap_ci_contains_mean_and_matches_normal_theory() -> None:
    values = [0.0, 1.0] * 50  # mean 0.5, standard error 0.05
    estimate = bootstrap_mean(values)
    assert estimate.mean == pytest.approx(0.5)
    assert estimate.ci_low < 0.5 < estimate.ci_high
    assert estimate.ci_low == pytest.approx(0.5 - 1.96 * 0.05, abs=0.02)
    assert estimate.ci_high == pytest.approx(0.5 + 1.96 * 0.05, abs=0.02)
    assert estimate.n == 100
    assert estimate.std == pytest.approx(0.5025, abs=1e-3)


def test_bootstrap_ci_narrows_as_samples_grow() -> None:
    rng = random.Random(1)
    small = [rng.gauss(0.6, 0.2) for _ in range(20)]
    large = [rng.gauss(0.6, 0.2) for _ in range(2000)]
    width_small = bootstrap_mean(small).ci_high - bootstrap_mean(small).ci_low
    width_large = bootstrap_mean(large).ci_high - bootstrap_mean(large).ci_low
    assert width_large < width_small / 5  # about sqrt(2000 / 20) = 10 times narrower


def test_bootstrap_is_reproducible_for_a_seed_and_varies_between_seeds() -> None:
    rng = random.Random(2)
    values = [rng.random() for _ in range(30)]
    assert bootstrap_mean(values, seed=3) == bootstrap_mean(values, seed=3)
    assert bootstrap_mean(values, seed=3).ci_low != bootstrap_mean(values, seed=4).ci_low


def test_bootstrap_small_samples() -> None:
    assert bootstrap_mean([]).mean is None
    single = bootstrap_mean([0.7])
    assert single.mean == 0.7 and single.ci_low is None and single.ci_high is None and not single.has_ci
    constant = bootstrap_mean([0.4, 0.4, 0.4])
    assert constant.ci_low == pytest.approx(0.4) and constant.ci_high == pytest.approx(0.4)


def test_bootstrap_rejects_bad_settings() -> None:
    with pytest.raises(ConfigError, match="resamples"):
        bootstrap_mean([1.0, 2.0], resamples=0)
    with pytest.raises(ConfigError, match="confidence"):
        bootstrap_mean([1.0, 2.0], confidence=95)


# ---------------------------------------------------------------------------------------------- summaries


def test_epochs_are_averaged_per_sample_before_the_mean() -> None:
    results = [result("a", epoch=e, acc=Score(value=1.0)) for e in range(3)] + [result("b", acc=Score(value=0.0))]
    summary = one(summarize(results), metric="acc")
    assert summary.n == 2  # samples, not answers
    assert summary.mean == pytest.approx(0.5)  # not 3/4, the mean over answers
    assert summary.epochs == 3
    assert sample_values(results)[("t", "m")]["a"] == {"acc": 1.0}


def test_errors_and_missing_scores_are_left_out_and_counted() -> None:
    results = [
        result("a", f1=Score(value=0.8), rouge=Score(value={"rougeL": 0.5, "rouge1": 0.6})),
        result("b", f1=Score(value=0.4), rouge=Score(value=None)),
        result("c", error="TimeoutError: no answer"),
        result("d", epoch=0, f1=Score(value=0.2)),
        result("d", epoch=1, error="rate limited"),  # a failed epoch does not pull sample d down
    ]
    summaries = summarize(results)
    assert one(summaries, metric="f1").mean == pytest.approx((0.8 + 0.4 + 0.2) / 3)
    assert one(summaries, metric="rouge.rougeL").n == 1
    assert one(summaries, metric="rouge.rougeL").ci_low is None
    cov = one(coverage(results), model="m")
    assert (cov.samples, cov.results, cov.errors) == (4, 5, 2)
    assert cov.error_rate == pytest.approx(0.4)


def test_summaries_are_per_task_and_model() -> None:
    results = [result(f"s{i}", model=model, task=task, acc=Score(value=float(i % 2 == 0 or model == "good")))
               for task in ("qa", "mcq") for model in ("good", "bad") for i in range(4)]
    summaries = summarize(results)
    assert len(summaries) == 4
    assert one(summaries, task="qa", model="good").mean == 1.0
    assert one(summaries, task="mcq", model="bad").mean == 0.5


def test_tag_breakdown_by_sample_tag_and_rubric_tag() -> None:
    def rubric(value: float, tags: dict[str, float]) -> Score:
        return Score(value=value, metadata={"tags": tags, "judge": {"model": "j"}})

    results = [
        result("a", tags=("cardiology", "emergency"), rubric=rubric(1.0, {"accuracy": 1.0, "completeness": 0.5})),
        result("b", tags=("cardiology",), rubric=rubric(0.5, {"accuracy": 0.0})),
        result("c", tags=("paediatrics",), rubric=rubric(0.0, {"accuracy": 0.5, "completeness": 0.0})),
        result("d", tags=("paediatrics",), rubric=Score(value=None, metadata={"tags": {"accuracy": 1.0}})),
    ]
    tags = tag_breakdown(results)
    cardio = one(tags, tag="cardiology", tag_kind="sample", metric="rubric")
    assert (cardio.n, cardio.mean) == (2, pytest.approx(0.75))
    assert one(tags, tag="emergency", tag_kind="sample").n == 1
    accuracy = one(tags, tag="accuracy", tag_kind="rubric")
    assert accuracy.metric == "rubric"
    assert (accuracy.n, accuracy.mean) == (3, pytest.approx(0.5))  # d's score was not applicable
    assert one(tags, tag="completeness", tag_kind="rubric").mean == pytest.approx(0.25)


def test_macro_f1_corpus_metric_with_known_value() -> None:
    pairs = [("yes", "yes"), ("yes", "no"), ("no", "no"), ("no", "no"), ("maybe", "yes"), ("no", None)]
    results = [result(f"s{i}", pubmedqa=Score(value=float(gold == pred), answer=pred, metadata={"label": gold}))
               for i, (gold, pred) in enumerate(pairs)]
    summary = one(corpus_metrics(results), metric="pubmedqa.macro_f1")
    # yes: tp 1, fp 1, fn 1 -> 0.5; no: tp 2, fp 1, fn 1 -> 2/3; maybe: tp 0 -> 0
    assert summary.mean == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)
    assert summary.corpus and summary.n == 6
    assert 0.0 <= summary.ci_low <= summary.mean <= summary.ci_high <= 1.0
    assert one(summarize(results), metric="pubmedqa.macro_f1").mean == summary.mean


def test_macro_f1_bootstrap_agrees_with_the_point_estimate_on_perfect_answers() -> None:
    results = [result(f"s{i}", choice=Score(value=1.0, answer="ABCD"[i % 4], metadata={"label": "ABCD"[i % 4]}))
               for i in range(12)]
    summary = one(corpus_metrics(results), metric="choice.macro_f1")
    assert (summary.mean, summary.ci_low, summary.ci_high) == (1.0, 1.0, 1.0)


# ---------------------------------------------------------------------------------------------- comparisons


def test_mcnemar_exact_textbook_example() -> None:
    # Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91: b = 1, c = 7 gives exact p = 0.070.
    assert mcnemar_exact(1, 7) == pytest.approx(18 / 256)
    assert mcnemar_exact(7, 1) == mcnemar_exact(1, 7)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(0, 10) == pytest.approx(2 / 1024)
    with pytest.raises(ConfigError):
        mcnemar_exact(-1, 2)


def test_mcnemar_matches_scipy_binomial_test() -> None:
    stats = pytest.importorskip("scipy.stats")
    for b, c in [(3, 12), (10, 18), (25, 25), (0, 4), (40, 61)]:
        assert mcnemar_exact(b, c) == pytest.approx(stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-9)


def test_paired_bootstrap_sign_interval_and_verdict() -> None:
    rng = random.Random(5)
    b = {f"s{i}": rng.uniform(0.3, 0.7) for i in range(60)}
    a = {k: v + 0.12 + rng.gauss(0, 0.05) for k, v in b.items()}
    cmp = paired_comparison(a, b, metric="f1", model_a="A", model_b="B")
    assert cmp.n == 60 and cmp.test == "bootstrap"
    assert cmp.diff == pytest.approx(0.12, abs=0.03)
    assert 0 < cmp.ci_low < cmp.diff < cmp.ci_high
    assert cmp.significant and cmp.p_value < 0.01
    assert cmp.verdict.startswith("A scores higher than B on f1 by 0.1")
    assert "unlikely to be chance" in cmp.verdict and "95 % CI" in cmp.verdict

    reverse = paired_comparison(b, a, metric="f1", model_a="B", model_b="A")
    assert reverse.diff == pytest.approx(-cmp.diff)
    assert reverse.ci_high < 0
    assert reverse.verdict.startswith("A scores higher than B on f1")


def test_paired_comparison_with_no_real_difference() -> None:
    rng = random.Random(6)
    a = {f"s{i}": rng.random() for i in range(40)}
    b = {f"s{i}": rng.random() for i in range(40)}
    cmp = paired_comparison(a, b, metric="f1", model_a="A", model_b="B")
    assert cmp.ci_low < 0 < cmp.ci_high
    assert not cmp.significant and cmp.p_value > 0.05
    assert cmp.verdict.startswith("no reliable difference on f1")
    same = paired_comparison(a, a, metric="f1", model_a="A", model_b="B")
    assert (same.diff, same.ci_low, same.ci_high, same.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_paired_comparison_uses_only_shared_samples() -> None:
    a = {"s1": 1.0, "s2": 0.0, "s3": 1.0, "only-a": 1.0}
    b = {"s1": 0.0, "s2": 0.0, "s3": 0.0, "only-b": 0.0, "other": 1.0}
    cmp = paired_comparison(a, b, metric="acc", model_a="A", model_b="B")
    assert (cmp.n, cmp.only_a, cmp.only_b) == (3, 1, 2)
    assert cmp.mean_a == pytest.approx(2 / 3) and cmp.mean_b == 0.0
    empty = paired_comparison({"x": 1.0}, {"y": 1.0}, metric="acc", model_a="A", model_b="B")
    assert empty.n == 0 and empty.diff is None and "no shared samples" in empty.verdict
    lone = paired_comparison({"x": 1.0}, {"x": 0.0}, metric="acc", model_a="A", model_b="B")
    assert lone.ci_low is None and "too few shared samples" in lone.verdict


def test_binary_metric_gets_mcnemar_with_discordant_counts() -> None:
    # 20 shared samples: 12 both right, 7 only A right (b), 1 only B right (c).
    a = [1.0] * 12 + [1.0] * 7 + [0.0]
    b = [1.0] * 12 + [0.0] * 7 + [1.0]
    cmp = paired_comparison(dict(enumerate(a)), dict(enumerate(b)), metric="choice", model_a="A", model_b="B")
    assert cmp.test == "mcnemar" and (cmp.b, cmp.c) == (7, 1)
    assert cmp.p_value == pytest.approx(18 / 256)
    assert not cmp.significant  # p = 0.07 even though the bootstrap alone would call it
    assert cmp.bootstrap_p is not None and cmp.bootstrap_p < 0.05


def test_lower_is_better_metrics_say_which_is_lower() -> None:
    assert not higher_is_better("performance.latency_s") and not higher_is_better("performance.cost_usd")
    assert higher_is_better("performance.tokens_per_s") and higher_is_better("rouge.rougeL")
    fast = {f"s{i}": 0.5 + 0.01 * i for i in range(30)}
    slow = {k: v + 1.0 for k, v in fast.items()}
    cmp = paired_comparison(slow, fast, metric="performance.latency_s", model_a="slow", model_b="fast")
    assert cmp.verdict.startswith("fast is lower (better) than slow on performance.latency_s by 1.0")


def test_compare_models_matches_samples_by_task_and_id_across_runs() -> None:
    run_a = [result(f"s{i}", model="x", task=task, acc=Score(value=1.0)) for task in ("t1", "t2") for i in range(5)]
    run_b = [result(f"s{i}", model="y", task="t1", acc=Score(value=float(i < 2))) for i in range(8)]
    comparisons = compare_models(run_a, run_b)
    assert len(comparisons) == 1  # t2 has no results from y
    cmp = comparisons[0]
    assert (cmp.task, cmp.model_a, cmp.model_b, cmp.n, cmp.only_b) == ("t1", "x", "y", 5, 3)
    assert (cmp.b, cmp.c) == (3, 0)
    with pytest.raises(ConfigError, match="say which to compare"):
        compare_models(run_a + run_b, run_b)


# ---------------------------------------------------------------------------------------------- performance


def test_latency_percentiles_and_cost_totals() -> None:
    d = distribution([float(v) for v in range(1, 101)])
    assert d is not None
    assert (d.p50, d.p90, d.p99, d.min, d.max) == (pytest.approx(50.5), pytest.approx(90.1), pytest.approx(99.01),
                                                   1.0, 100.0)
    assert distribution([]) is None

    def answered(i: int, model: str, cost: float | None) -> SampleResult:
        output = Output(text="ok", model=model, cost_usd=cost, timing=Timing(ttft_s=0.1 * i, total_s=float(i)))
        return result(f"s{i}", model=model, output=output)

    results = [answered(i, "paid", 0.002) for i in range(1, 5)] + [answered(i, "local", None) for i in range(1, 3)]
    results.append(result("s9", model="paid", error="boom"))
    paid = one(performance(results), model="paid")
    assert (paid.answers, paid.errors, paid.cost_known) == (4, 1, 4)
    assert paid.cost_usd == pytest.approx(0.008) and paid.cost_per_answer == pytest.approx(0.002)
    assert paid.total_s is not None and paid.total_s.p50 == pytest.approx(2.5)
    assert paid.ttft_s is not None and paid.ttft_s.max == pytest.approx(0.4)
    local = one(performance(results), model="local")
    assert local.cost_usd is None and local.cost_per_answer is None
