"""SVG charts: scales, marks for every value, titles, legends, escaping."""

from __future__ import annotations

import re

import pytest

from medchat.evaluation.report import charts
from medchat.evaluation.report.charts import Bar, Interval, Point, Series


def marks(svg: str) -> list[str]:
    return re.findall(r'<(?:rect|circle) class="mark"[^>]*>', svg)


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    ticks, step = charts.nice_ticks(0.0, 0.87)
    assert ticks[0] == 0.0 and ticks[-1] >= 0.87 and step == 0.2
    ticks, step = charts.nice_ticks(-0.31, 0.42)
    assert ticks[0] <= -0.31 and ticks[-1] >= 0.42 and step in (0.1, 0.2, 0.25)
    assert charts.nice_ticks(3.0, 3.0)[0][-1] > 3.0  # a flat range still gets an axis


def test_scales_map_scores_to_unit_range_and_wide_spreads_to_log() -> None:
    scale = charts.value_scale([0.2, 0.9], 100, 0)
    assert (scale.lo, scale.hi) == (0.0, 1.0) and scale(0.5) == pytest.approx(50)
    log = charts.value_scale([0.05, 30.0], 0, 100, unit=False, log=True)
    assert log.log and log(0.1) < log(1.0) < log(10.0)
    assert 1.0 in log.ticks()


def test_fmt_is_compact() -> None:
    assert [charts.fmt(v) for v in (0, 0.5, 0.123456, 12.34, 1234.5, -0.25)] == [
        "0", "0.5", "0.123", "12.3", "1,234", "-0.25"]


def test_bar_chart_draws_a_bar_per_value_with_error_bars_and_legend() -> None:
    series = [Series("model <a>", "#111111", [Bar(0.7, 0.6, 0.8, 40), Bar(0.5)]),
              Series("model b", "#222222", [Bar(0.4, 0.3, 0.5, 40), None])]
    svg = charts.bar_chart("Quality", ["f1", "rouge.rougeL"], series, y_label="score", x_label="metric")
    assert len(marks(svg)) == 3
    assert svg.count('class="errorbar"') == 2  # bars with an interval only
    assert "n/a" in svg
    assert "model &lt;a&gt;" in svg and "model <a>" not in svg
    assert ">Quality</text>" in svg and ">score</text>" in svg and ">metric</text>" in svg
    assert 'class="legend"' in svg


def test_box_plot_has_a_box_and_a_dot_per_answer() -> None:
    svg = charts.box_plot("Latency", [("fast", "#111", [0.1, 0.2, 0.3, 0.25]), ("slow", "#222", [1.0]),
                                      ("none", "#333", [])], x_label="seconds", unit=" s")
    assert len(marks(svg)) == 2
    assert svg.count("<circle") == 5
    assert "no measurements" in svg and ">seconds</text>" in svg
    single_box = re.findall(r'<rect class="mark"[^>]*? width="([\d.]+)"', svg)
    assert all(float(w) >= 2 for w in single_box)  # a single value still draws a visible box


def test_scatter_heatmap_and_forest_plot() -> None:
    scatter = charts.scatter("Quality vs cost", [Point("a", "#111", 0.001, 0.8, 0.7, 0.9), Point("b", "#222", 0.0,
                                                                                                  0.5)],
                             x_label="cost per answer (USD)", y_label="f1")
    assert len(marks(scatter)) == 2 and "cost per answer (USD)" in scatter
    heat = charts.heatmap("By tag", ["cardiology", "zh"], ["a", "b"], [[0.9, None], [0.2, 0.5]],
                          counts=[[3, None], [2, 4]], value_label="mean f1")
    assert len(marks(heat)) == 3 and "(n = 3)" in heat and "mean f1" in heat and "linearGradient" in heat
    forest = charts.forest_plot("A − B", [Interval("f1", 0.1, 0.02, 0.18, "#111"),
                                          Interval("rouge", -0.01, -0.05, 0.03, charts.GREY)],
                                x_label="difference", legend=[("A better", "#111")])
    assert len(marks(forest)) == 2 and "stroke-dasharray" in forest


def test_empty_inputs_say_so() -> None:
    assert "nothing to plot" in charts.bar_chart("x", [], [], y_label="y")
    assert "no measurements" in charts.box_plot("x", [], x_label="s")
    assert "no tags" in charts.heatmap("x", [], [], [], value_label="v")
    assert "no comparisons" in charts.forest_plot("x", [], x_label="d")


def test_long_labels_are_truncated_with_the_full_text_on_hover() -> None:
    name = "openrouter/meta-llama/llama-3.1-405b-instruct-with-a-very-long-suffix"
    svg = charts.box_plot("Latency", [(name, "#111", [1.0, 2.0])], x_label="s")
    assert f"<title>{name}</title>" in svg and "…" in svg
