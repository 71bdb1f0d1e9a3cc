"""Statistics over a run's results, one concept per module:

- ``bootstrap``: percentile bootstrap intervals of a mean, from a seeded generator (the same results always
  give the same report);
- ``summaries``: every metric per (task, model) as a mean over samples with its interval, per-tag breakdowns,
  corpus metrics (macro-F1) and coverage. The unit of resampling is the *sample*: epochs of one sample are
  averaged first (repeated measurements of one item, not independent evidence), then samples are resampled;
- ``compare``: paired comparisons of two models on the same samples (paired bootstrap, McNemar);
- ``separation``: whether a metric tells the systems of a run apart at all;
- ``performance``: latency, throughput and cost distributions, and the answers fallback models gave.

Everything is importable from ``medchat.evaluation.stats`` itself.
"""

from medchat.evaluation.stats.bootstrap import CONFIDENCE, RESAMPLES, SEED, Estimate, bootstrap_mean
from medchat.evaluation.stats.compare import (
    Comparison,
    SampleKey,
    compare_models,
    format_p,
    mcnemar_exact,
    paired_comparison,
)
from medchat.evaluation.stats.performance import (
    Distribution,
    Performance,
    Timings,
    describe_fallbacks,
    distribution,
    fallback_counts,
    performance,
    timings,
)
from medchat.evaluation.stats.separation import Separation, separation, separations
from medchat.evaluation.stats.summaries import (
    Coverage,
    MetricSummary,
    Summaries,
    TagKind,
    classification_pairs,
    corpus_metrics,
    coverage,
    higher_is_better,
    metric_judges,
    metric_order,
    metric_summaries,
    sample_values,
    summarize,
    tag_breakdown,
)

__all__ = [
    "CONFIDENCE", "RESAMPLES", "SEED", "Comparison", "Coverage", "Distribution", "Estimate", "MetricSummary",
    "Performance", "SampleKey", "Separation", "Summaries", "TagKind", "Timings", "bootstrap_mean",
    "classification_pairs", "compare_models", "corpus_metrics", "coverage", "describe_fallbacks", "distribution",
    "fallback_counts", "format_p",
    "higher_is_better", "mcnemar_exact", "metric_judges", "metric_order", "metric_summaries", "paired_comparison",
    "performance", "sample_values", "separation", "separations", "summarize", "tag_breakdown", "timings",
]
