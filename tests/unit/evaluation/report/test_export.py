"""JSON and CSV exports round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medchat.errors import ConfigError
from medchat.evaluation.report import export_csv, export_json, read_csv, read_json, save_json
from medchat.evaluation.report.summary import build_comparison
from medchat.evaluation.score import Score
from tests.unit.evaluation.report.demo_run import MODELS, XSS, demo_run


def test_json_round_trip_keeps_everything(tmp_path: Path) -> None:
    run, results = demo_run()
    path = export_json(run, results, tmp_path / "out" / "run.json")
    loaded = read_json(path)
    assert loaded.samples == results
    assert loaded.report.runs == [run]
    assert loaded.report.summaries and loaded.report.tags and loaded.report.comparisons
    raw = json.loads(path.read_text())
    assert raw["format"] == "medchat-eval-report"
    assert {"summaries", "tags", "comparisons", "performance", "coverage", "timings"} <= set(raw["report"])
    first = raw["report"]["comparisons"][0]
    assert {"diff", "ci_low", "ci_high", "p_value", "verdict", "test"} <= set(first)


def test_json_export_of_a_comparison(tmp_path: Path) -> None:
    run_a, results_a = demo_run()
    run_b, results_b = demo_run(run_id="run-after", models=(MODELS[0],), boost=0.1, seed=8)
    report, merged = build_comparison(run_a, results_a, run_b, results_b)
    loaded = read_json(save_json(report, merged, tmp_path / "cmp.json"))
    assert loaded.report.kind == "comparison"
    assert {(c.model_a, c.model_b) for c in loaded.report.comparisons} == {
        (f"{MODELS[0]} [run-demo]", f"{MODELS[0]} [run-after]")}


def test_read_json_rejects_other_files(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}')
    with pytest.raises(ConfigError, match="not a medchat report"):
        read_json(other)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigError, match="not JSON"):
        read_json(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        read_json(tmp_path / "missing.json")


def test_csv_has_one_row_per_result_with_flat_metrics(tmp_path: Path) -> None:
    _, results = demo_run()
    results[0].scores["model"] = Score(value=0.25)  # a metric named like a fixed column
    rows = read_csv(export_csv(results, tmp_path / "run.csv"))
    assert len(rows) == len(results)
    for row, r in zip(rows, results, strict=True):
        assert (row["task"], row["model"], row["sample_id"], row["epoch"]) == r.key
        assert row["tags"] == r.tags
        assert row["error"] == r.error
        assert row["metrics"] == pytest.approx(r.metrics())
        if r.output is not None:
            assert row["answer"] == r.output.text
            assert row["total_s"] == pytest.approx(r.output.timing.total_s)
            assert row["cost_usd"] == pytest.approx(r.output.cost_usd)
        else:
            assert row["total_s"] is None and row["answer"] == ""
    assert any(XSS in row["answer"] for row in rows)  # text kept exactly, commas and quotes included
    header = (tmp_path / "run.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["run_id", "task", "model", "sample_id"]
    assert "score.model" in header and "choice" in header and "rouge.rougeL" in header
