"""Reports of evaluation runs: one self-contained HTML page per run or comparison, plus JSON and CSV.

``write_report(run, results, "report.html")`` and ``write_comparison(run_a, results_a, run_b, results_b,
"compare.html")`` compute the statistics (``medchat.evaluation.stats``) and render them;
``export_json``/``export_csv`` write the same data for machines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medchat.evaluation.report.export import export_csv, export_json, read_csv, read_json, save_json
from medchat.evaluation.report.summary import Report, StatsSettings, build_comparison, build_report
from medchat.evaluation.results import RunInfo, SampleResult

__all__ = ["Report", "StatsSettings", "build_comparison", "build_report", "export_csv", "export_json", "read_csv",
           "read_json", "render_html", "save_json", "write_comparison", "write_report"]


def render_html(report: Report, results: Sequence[SampleResult]) -> str:
    """The page for an already computed report."""
    from medchat.evaluation.report.html import render

    return render(report, results)


def write_report(run: RunInfo, results: Sequence[SampleResult], path: str | Path, *,
                 settings: StatsSettings | None = None) -> Path:
    """One HTML page for one run: leaderboards with CIs, charts, per-tag breakdowns, pairwise comparisons of
    its models, latency and cost, and a transcript viewer."""
    from medchat.evaluation.report.export import write_text

    report = build_report([run], results, settings=settings)
    return write_text(path, render_html(report, results))


def write_comparison(run_a: RunInfo, results_a: Sequence[SampleResult], run_b: RunInfo,
                     results_b: Sequence[SampleResult], path: str | Path, *,
                     settings: StatsSettings | None = None) -> Path:
    """One HTML page comparing run A with run B on the samples both answered (the same models in both runs
    are compared with themselves; otherwise every model of A with every model of B)."""
    from medchat.evaluation.report.export import write_text

    report, merged = build_comparison(run_a, results_a, run_b, results_b, settings=settings)
    return write_text(path, render_html(report, merged))
