"""What every part of the report page shares: escaping, number formatting, and ``Page``, the look-ups made
while one page is rendered (model colours, coverage, performance rows)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from medchat.evaluation.report import charts
from medchat.evaluation.report.summary import Report
from medchat.evaluation.results import SampleResult
from medchat.evaluation.stats import MetricSummary, Performance


def e(value: object) -> str:
    return escape(str(value), quote=True)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


# ---------------------------------------------------------------------------------------------- formatting


def caveat(note: str | None) -> str:
    """An untrusted judge's caveat ("⚠ judge too small to discriminate (builtin/smollm2)") beside a metric's
    name, verdict or chart; nothing for a metric no such judge graded."""
    return f'<span class="caveat">⚠ {e(note)}</span>' if note else ""


def fmt_score(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if abs(value) < 10 else charts.fmt(value)


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


def fmt_metric(metric: str, value: float | None) -> str:
    name = metric.rsplit(".", 1)[-1]
    if value is None:
        return "–"
    if "cost" in name:
        return fmt_cost(value)
    if name.endswith("_s") and not name.endswith("per_s"):
        return fmt_seconds(value)
    return fmt_score(value)


def interval(summary: MetricSummary) -> str:
    if summary.ci_low is None or summary.ci_high is None:
        return "no CI (n < 2)" if summary.n < 2 else ""
    return f"{fmt_metric(summary.metric, summary.ci_low)} – {fmt_metric(summary.metric, summary.ci_high)}"


def json_script(element_id: str, data: Any) -> str:
    """JSON inside ``<script type="application/json">``: ``<``, ``>`` and ``&`` become ``\\u`` escapes, so no
    answer text can close the element or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


class Page:
    """Shared look-ups while one page is rendered."""

    def __init__(self, report: Report, results: Sequence[SampleResult]) -> None:
        self.report = report
        self.results = results
        self.colors = {model: charts.color(i) for i, model in enumerate(report.models)}

    def swatch(self, model: str) -> str:
        """The model's colour and name, breakable only after the provider and before a run label (never
        inside ``gpt-4o-mini``)."""
        dot = f'<span class="swatch" style="background:{self.colors.get(model, charts.GREY)}"></span>'
        parts = [p.strip() for p in re.split(r"(?<=/)|(?= \[)", model) if p.strip()]
        return "<wbr>".join(f'<span class="nb">{dot if i == 0 else " " if p.startswith("[") else ""}{e(p)}</span>'
                            for i, p in enumerate(parts))

    def coverage(self, task: str, model: str) -> tuple[int, int, int]:
        found = next((c for c in self.report.coverage if c.task == task and c.model == model), None)
        return (found.samples, found.results, found.errors) if found else (0, 0, 0)

    def perf(self, model: str, task: str | None = None) -> Performance | None:
        rows = self.report.performance_by_task if task is not None else self.report.performance
        return next((p for p in rows if p.model == model and p.task == task), None)
