"""What a jury's scores say beyond their mean: each judge's own mean beside the jury's, and how far the judges
agree (Krippendorff's α, interval, over every answer they graded; a judge that failed on one is a missing value).

Read from the scores' ``metadata["jury"]`` (``judges.jury``), so a stored run needs nothing else; terminal tables and
report notes print ``jury_line``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field

from medchat.evaluation.judges.agreement import Interval
from medchat.evaluation.results import SampleResult


class JurySummary(BaseModel):
    """One judge-graded metric of one task, graded by a jury."""

    task: str
    metric: str
    judges: list[str]
    means: dict[str, dict[str, float]] = Field(default_factory=dict)  # model -> judge -> mean over samples
    jury: dict[str, float] = Field(default_factory=dict)  # model -> the jury's mean over the same samples
    alpha: Interval = Field(default_factory=lambda: Interval(value=None))  # over every model's answers
    answers: int = 0  # answers the jury scored
    failed: int = 0  # (answer, judge) verdicts missing because the judge gave none


def jury_summaries(results: Iterable[SampleResult], *, resamples: int = 1000) -> list[JurySummary]:
    """One summary per (task, metric) graded by a jury; epochs of a sample are averaged, as in ``stats``."""
    from medchat.evaluation.judges.inter_rater import krippendorff_alpha

    values: dict[tuple[str, str], dict[tuple[str, str], dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))  # (task, metric) -> (model, sample) -> judge|"" -> values
    units: dict[tuple[str, str], list[list[float | None]]] = defaultdict(list)
    judges: dict[tuple[str, str], list[str]] = {}
    failed: dict[tuple[str, str], int] = defaultdict(int)
    for result in results:
        if result.error is not None:
            continue
        for metric, score in result.scores.items():
            panel = score.metadata.get("jury")
            if not isinstance(panel, dict) or not isinstance(panel.get("judges"), dict):
                continue
            key = (result.task, metric)
            names = judges.setdefault(key, list(panel["judges"]))
            per = values[key][(result.model, result.sample_id)]
            row: list[float | None] = []
            for name in names:
                value = (panel["judges"].get(name) or {}).get("value")
                number = float(value) if isinstance(value, int | float) and math.isfinite(value) else None
                row.append(number)
                if number is not None:
                    per[name].append(number)
            failed[key] += len(panel.get("failed") or {})
            if isinstance(score.value, int | float):
                per[""].append(float(score.value))
                units[key].append(row)
    out = []
    for key, samples in values.items():
        summary = JurySummary(task=key[0], metric=key[1], judges=judges[key], answers=len(units[key]),
                              failed=failed[key],
                              alpha=krippendorff_alpha(units[key], "interval", resamples=resamples))
        by_model: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for (model, _), per in samples.items():
            for name, found in per.items():
                by_model[model][name].append(sum(found) / len(found))
        for model, per_judge in by_model.items():
            summary.means[model] = {n: sum(v) / len(v) for n, v in per_judge.items() if n and v}
            if per_judge.get(""):
                summary.jury[model] = sum(per_judge[""]) / len(per_judge[""])
        out.append(summary)
    return out


def jury_line(summary: JurySummary, model: str | None = None) -> str:
    """``jury of 2 (majority): a 0.62, b 0.41 → 0.55; α=0.48 [0.21, 0.70] over 40 answers`` — one model's means, or
    with ``model`` ``None`` the average over models of each one's means (α is always over every answer)."""
    if model is not None:
        means, jury = summary.means.get(model, {}), summary.jury.get(model)
    else:
        pooled = list(summary.means.values())
        means = {n: sum(p[n] for p in pooled if n in p) / max(1, sum(n in p for p in pooled)) for n in summary.judges}
        jury = sum(summary.jury.values()) / len(summary.jury) if summary.jury else None
    judged = ", ".join(f"{n} {means[n]:.3f}" if n in means else f"{n} –" for n in summary.judges)
    result = f" → {jury:.3f}" if jury is not None else ""
    lost = f"; {summary.failed} verdicts missing (a judge failed)" if summary.failed else ""
    return (f"jury of {len(summary.judges)} (majority): {judged}{result}; "
            f"α={summary.alpha.text()} over {summary.answers} answers{lost}")
