"""Does a metric tell the systems of a run apart? The spread of their means against the typical width of
their confidence intervals.

A metric whose means differ by far less than their intervals are wide says nothing about which system is
better on this run: a judge that gives every answer the same verdict, a similarity that sits at 0.9
whatever was said, a check every system passes. The verdict is coarse on purpose, one per (task, metric):

- ``n/a``: fewer than two systems have a value;
- ``does not separate``: the spread (largest mean − smallest) is 0, or under ``NO_SEPARATION`` (¼) of the
  typical interval width: the median width over the systems, leaving out zero-width intervals (a system
  that scored the same on every sample) unless all are;
- ``separates``: the spread is at least ``SEPARATES`` (1×) the typical width: intervals that wide around
  the two extreme means would not overlap;
- ``unclear``: in between, or no interval to compare with (fewer than 2 samples). The paired comparisons
  are the finer test there: they use the pairing of samples, which this does not.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel

from medchat.evaluation.stats.summaries import MetricSummary

Verdict = Literal["separates", "unclear", "does not separate", "n/a"]
NO_SEPARATION = 0.25  # spread below this share of the typical CI width: does not separate
SEPARATES = 1.0  # spread at least this share of the typical CI width: separates
_MARKERS: dict[str, str] = {"separates": "yes", "unclear": "unclear", "n/a": "",
                            "does not separate": "no: does not separate these systems"}


class Separation(BaseModel):
    """Whether ``metric`` separates the ``systems`` that have a value for it on ``task``."""

    task: str
    metric: str
    systems: int
    spread: float | None = None  # largest mean − smallest
    ci_width: float | None = None  # median width of the systems' intervals (None: no system has one)
    verdict: Verdict = "n/a"

    @property
    def marker(self) -> str:
        """The short form for a terminal table: yes / unclear / no: does not separate these systems / empty."""
        return _MARKERS[self.verdict]

    @property
    def text(self) -> str:
        """The verdict in words, with the numbers it rests on."""
        if self.verdict == "n/a":
            return "n/a: fewer than two systems to compare"
        if self.spread is not None and self.spread == 0:
            return "does not separate these systems: every system has the same mean"
        numbers = (f"spread {_num(self.spread)}, typical CI width {_num(self.ci_width)}"
                   if self.ci_width is not None else f"spread {_num(self.spread)}, no CI (fewer than 2 samples)")
        lead = {"separates": "separates these systems", "unclear": "may or may not separate these systems",
                "does not separate": "does not separate these systems"}[self.verdict]
        return f"{lead} ({numbers})"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2g}"


def separation(summaries: Sequence[MetricSummary]) -> Separation:
    """The verdict for one metric on one task, from its summaries (one per system, all for that metric)."""
    task = summaries[0].task if summaries else ""
    metric = summaries[0].metric if summaries else ""
    means = [s.mean for s in summaries if s.mean is not None and math.isfinite(s.mean)]
    out = Separation(task=task, metric=metric, systems=len(means))
    if len(means) < 2:
        return out
    spread = max(means) - min(means)
    if spread <= 1e-12 * max(1.0, *(abs(m) for m in means)):  # equal up to rounding
        spread = 0.0
    widths = [s.ci_high - s.ci_low for s in summaries if s.mean is not None and s.ci_low is not None
              and s.ci_high is not None and math.isfinite(s.ci_high - s.ci_low)]
    widths = [w for w in widths if w > 0] or widths  # a system that scored the same on every sample says nothing
    width = statistics.median(widths) if widths else None  # about how noisy the metric is
    out.spread, out.ci_width = spread, width
    if spread == 0:
        out.verdict = "does not separate"
    elif width is None:
        out.verdict = "unclear"
    elif spread < NO_SEPARATION * width:
        out.verdict = "does not separate"
    elif spread >= SEPARATES * width:
        out.verdict = "separates"
    else:
        out.verdict = "unclear"
    return out


def separations(summaries: Iterable[MetricSummary]) -> list[Separation]:
    """One verdict per (task, metric) of the overall summaries (per-tag summaries are left out), in order."""
    groups: dict[tuple[str, str], list[MetricSummary]] = {}
    for summary in summaries:
        if summary.tag is None:
            groups.setdefault((summary.task, summary.metric), []).append(summary)
    return [separation(group) for group in groups.values()]
