"""The HTML report: self-contained (no external resource), escaped, and showing what a reader needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from medchat.errors import ConfigError
from medchat.evaluation.report import write_comparison, write_report
from medchat.evaluation.report.html import viewer_data
from medchat.evaluation.report.summary import build_report
from medchat.evaluation.score import Score
from tests.unit.evaluation.report.demo_run import MODELS, XSS, demo_run

RESOURCE = re.compile(r"""<(script|link|img|iframe|source|audio|video|embed|object)\b[^>]*\b(src|href|data)\s*=""",
                      re.IGNORECASE)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    run, results = demo_run()
    path = write_report(run, results, tmp_path_factory.mktemp("report") / "report.html")
    return path.read_text(encoding="utf-8")


def test_page_loads_nothing_from_outside(page: str) -> None:
    assert not RESOURCE.search(page)  # no script src, link href, img src...
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.IGNORECASE)
    assert "@import" not in page
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page  # and the browser is told to refuse any fetch


def test_answer_markup_is_escaped(page: str) -> None:
    assert XSS not in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert len(re.findall(r"<script\b", page)) == 2  # the embedded data and the viewer's own code
    data = re.search(r'<script type="application/json" id="samples-data">(.*?)</script>', page, re.DOTALL)
    assert data is not None
    assert "\\u003cscript\\u003ealert" in data.group(1)
    decoded = json.loads(data.group(1))
    answers = [r.get("answer") for s in decoded["samples"] for r in s["results"]]
    assert any(XSS in (a or "") for a in answers)  # the viewer still gets the exact text, shown with textContent


def test_user_text_in_server_rendered_parts_is_escaped(tmp_path: Path) -> None:
    run, results = demo_run()
    for r in results[:4]:
        r.tags.append("<b>bold</b>")
    evil = results[0].model_copy(update={"task": 'medqa"><script>x()</script>'})
    run.tasks.append(evil.task)
    page = write_report(run, [*results, evil], tmp_path / "r.html").read_text()
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script>x()" not in page


def test_page_has_leaderboards_charts_comparisons_and_viewer(page: str) -> None:
    for task in ("medqa", "healthbench", "patient_qa"):
        assert f'id="task-{task.replace("_", "-")}"' in page
    assert page.count('<table class="leaderboard">') == 3
    kinds = re.findall(r'<svg class="chart chart-(\w+)"', page)
    assert {"bar", "scatter", "heatmap", "forest", "box"} <= set(kinds)
    assert all("<title>" in svg for svg in re.findall(r"<svg.*?</svg>", page, re.DOTALL))
    assert "choice.macro_f1" in page  # corpus metric in the leaderboard
    assert "score by rubric tag" in page and "emergency_referrals" in page
    assert "scores higher than" in page and "no reliable difference" in page
    assert "McNemar" in page or "paired bootstrap" in page
    assert 'id="sample-items"' in page and 'id="sample-detail"' in page
    assert "Time to first token" in page and "Total latency" in page


def test_leaderboard_ranks_by_primary_metric_with_intervals() -> None:
    run, results = demo_run()
    report = build_report([run], results)
    assert report.primary == {"medqa": "choice", "healthbench": "rubric", "patient_qa": "f1"}
    for task in report.tasks:
        order = report.leaderboard(task)
        means = [report.summary(task, m, report.primary[task]).mean for m in order]
        assert means == sorted(means, reverse=True)
        assert set(order) == set(MODELS)
    s = report.summary("patient_qa", MODELS[0], "f1")
    assert s is not None and s.ci_low is not None and s.ci_low <= s.mean <= s.ci_high
    assert "performance.latency_s" not in report.quality_metrics("medqa")
    assert report.quality_metrics("medqa") == ["choice", "choice.macro_f1"]


def test_viewer_data_groups_models_and_epochs_per_sample() -> None:
    run, results = demo_run()
    report = build_report([run], results)
    data = viewer_data(report, results)
    assert data["epochs"] == 2 and data["models"] == list(MODELS)
    scurvy = next(s for s in data["samples"] if s["id"] == "mcq-scurvy")
    assert [(r["model"], r["epoch"]) for r in scurvy["results"]] == [(m, e) for m in MODELS for e in (0, 1)]
    assert scurvy["target"] == ["B"] and "scurvy" in scurvy["question"]
    dengue = next(s for s in data["samples"] if s["id"] == "mcq-dengue")
    failed = [r for r in dengue["results"] if r["error"]]
    assert len(failed) == 1 and "503" in failed[0]["error"]
    sunscreen = next(s for s in data["samples"] if s["id"] == "hb-sunscreen")
    assert sunscreen["primary"]["builtin/smollm2"] is None  # no answer at all: shown as an error dot


def test_comparison_page_compares_the_same_model_across_runs(tmp_path: Path) -> None:
    run_a, results_a = demo_run()
    run_b, results_b = demo_run(run_id="run-after", models=(MODELS[0],), boost=0.12, seed=8)
    page = write_comparison(run_a, results_a, run_b, results_b, tmp_path / "cmp.html").read_text()
    assert "Run run-demo (A) compared with run run-after (B)" in page
    assert f"{MODELS[0]} [run-demo]" in page and f"{MODELS[0]} [run-after]" in page
    assert not RESOURCE.search(page) and XSS not in page
    rows = re.findall(r'<table class="comparisons">.*?</table>', page, re.DOTALL)
    assert rows and all(MODELS[1] not in table for table in rows)  # only A-vs-B pairs, not within run A


def test_a_run_with_one_model_or_no_results_still_renders(tmp_path: Path) -> None:
    run, results = demo_run(models=(MODELS[2],))
    page = write_report(run, results, tmp_path / "one.html").read_text()
    assert 'id="findings"' not in page and '<table class="leaderboard">' in page
    empty_run = run.model_copy(update={"models": [], "tasks": []})
    page = write_report(empty_run, [], tmp_path / "empty.html").read_text()
    assert 'id="samples-data"' in page


def test_score_values_of_every_shape_reach_the_viewer() -> None:
    run, results = demo_run(models=(MODELS[0],))
    results[0].scores["judge_note"] = Score(value=None, explanation="not applicable to this sample")
    data = viewer_data(build_report([run], results), results)
    scores = {s["name"]: s for s in data["samples"][0]["results"][0]["scores"]}
    assert scores["judge_note"]["value"] is None
    assert isinstance(scores["performance"]["value"], dict)


def test_unwritable_path_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    run, results = demo_run(models=(MODELS[0],))
    with pytest.raises(ConfigError, match="cannot write") as info:
        write_report(run, results, blocker / "report.html")
    assert info.value.hint
