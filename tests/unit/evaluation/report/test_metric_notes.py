"""Every report says which metrics carry information: a metric graded by an untrusted judge carries the
judge's caveat, and each metric says whether it separates the systems (HTML, JSON, CSV and the terminal)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from medchat.evaluation.output import Output
from medchat.evaluation.report import build_report, export_csv, export_json, read_csv, read_json, write_report
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.evaluation.score import Score
from medchat.types import Timing

MODELS = ("builtin/smollm2", "assistant/builtin/smollm2", "builtin/extractive")
SMALL_JUDGE = {"model": "builtin/smollm2", "prompt": "rubric@1", "attempts": 7}


def run_with_a_small_judge(models: tuple[str, ...] = MODELS) -> tuple[RunInfo, list[SampleResult]]:
    """What the user saw: the same rubric score for every system from the bundled judge, beside an f1 that
    does tell the systems apart."""
    now = datetime(2026, 11, 21, tzinfo=UTC)
    left_out = {"conversations": "rubric needs a judge and the default one (builtin/smollm2) is left out: "
                                 "judge too small to discriminate; add --judge MODEL to run it"}
    run = RunInfo(id="run-small-judge", created_at=now, updated_at=now, status="completed",
                  tasks=["conversations", "medical-qa"], models=list(models),
                  config={"plan": {"sources": ["medical-qa"], "left_out": left_out}})
    results = []
    for rank, model in enumerate(models):
        for i, rubric in enumerate([0.4, 0.5, 0.45, 0.6]):
            output = Output(text=f"answer {i}", model=model, timing=Timing(total_s=1.0 + rank + i / 10), cost_usd=0.0)
            results.append(SampleResult(
                run_id=run.id, task="conversations", model=model, sample_id=f"c{i}", output=output,
                scores={"rubric": Score(value=rubric, metadata={"judge": SMALL_JUDGE}),
                        "performance": Score(value={"latency_s": output.timing.total_s, "cost_usd": 0.0})}))
            results.append(SampleResult(
                run_id=run.id, task="medical-qa", model=model, sample_id=f"q{i}", output=output,
                scores={"f1": Score(value=min(1.0, 0.1 + 0.35 * rank + i / 50)),
                        "performance": Score(value={"latency_s": output.timing.total_s, "cost_usd": 0.0})}))
    return run, results


def test_the_html_report_marks_the_small_judge_and_the_metric_that_does_not_separate(tmp_path: Path) -> None:
    run, results = run_with_a_small_judge()
    page = write_report(run, results, tmp_path / "r.html").read_text(encoding="utf-8")
    board = re.search(r'id="task-conversations".*?<table class="leaderboard">(.*?)</table>', page, re.DOTALL)
    assert board is not None
    assert "⚠ judge too small to discriminate (builtin/smollm2)" in board.group(1)
    assert re.search(r'class="num sep sep-does-not-separate"[^>]*>does not separate these systems<', board.group(1))
    qa = re.search(r'id="task-medical-qa".*?<table class="leaderboard">(.*?)</table>', page, re.DOTALL)
    assert qa is not None and "judge too small" not in qa.group(1)
    assert re.search(r'class="num sep sep-separates"[^>]*>separates<', qa.group(1))
    findings = re.search(r'id="findings".*?</section>', page, re.DOTALL)
    assert findings is not None  # rubric is the conversations' primary metric: its verdicts carry the caveat
    assert findings.group(0).count("⚠ judge too small to discriminate") == 3  # one per pair of models
    assert "Left out of this run" in page and "<code>conversations</code>" in page
    assert "Separates these systems?" in page  # explained under Methods


def test_one_model_gets_no_separation_row(tmp_path: Path) -> None:
    run, results = run_with_a_small_judge(models=MODELS[:1])
    page = write_report(run, results, tmp_path / "one.html").read_text(encoding="utf-8")
    assert "separates these systems?" not in page
    assert "⚠ judge too small to discriminate" in page  # the caveat does not depend on how many models ran


def test_the_json_export_carries_the_caveat_and_the_verdicts(tmp_path: Path) -> None:
    run, results = run_with_a_small_judge()
    report = read_json(export_json(run, results, tmp_path / "r.json")).report
    assert report.judge_note("conversations", "rubric") == "judge too small to discriminate (builtin/smollm2)"
    assert report.judge_note("medical-qa", "f1") is None
    found = report.separates("conversations", "rubric")
    assert found is not None and found.verdict == "does not separate"
    found = report.separates("medical-qa", "f1")
    assert found is not None and found.verdict == "separates"
    assert report.left_out() == {"conversations": run.config["plan"]["left_out"]["conversations"]}


def test_the_csv_export_notes_each_score_of_the_small_judge(tmp_path: Path) -> None:
    _, results = run_with_a_small_judge()
    rows = read_csv(export_csv(results, tmp_path / "r.csv"))
    for row in rows:
        if row["task"] == "conversations":
            assert row["notes"] == "rubric: judge too small to discriminate (builtin/smollm2)"
        else:
            assert row["notes"] is None
        assert "notes" not in row["metrics"]


def test_a_trusted_judge_carries_no_caveat() -> None:
    run, results = run_with_a_small_judge()
    for r in results:
        if "rubric" in r.scores:
            r.scores["rubric"].metadata["judge"] = {"model": "openai/gpt-4o", "prompt": "rubric@1"}
    assert build_report([run], results).judge_notes == {}


def test_the_terminal_table_marks_the_caveat_and_the_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    from medchat.cli.eval_cmd import metric_summaries, print_summary

    run, results = run_with_a_small_judge()
    print_summary(run, metric_summaries(results))
    out = capsys.readouterr().out
    conversations, rest = out.split("medical-qa (mean")
    qa, left_out = rest.split("\nleft out:", 1)
    assert "separates them?" in conversations
    assert "⚠ judge too small to discriminate" in conversations  # under the metric's name (it may wrap)
    assert "no: does not separate these systems" in conversations
    assert "rubric" in conversations and "judge too small" not in qa
    assert re.search(r"f1 .* yes", qa)
    assert "cost_usd 0" in out and "│ cost_usd" not in out  # $0 for every local answer: a caption, not a row
    assert "the same for every answer of every model, not shown: cost_usd 0" in out
    assert left_out.startswith(" conversations (rubric needs a judge")


def test_the_terminal_table_with_one_model_has_no_verdict_column(capsys: pytest.CaptureFixture[str]) -> None:
    from medchat.cli.eval_cmd import metric_summaries, print_summary

    run, results = run_with_a_small_judge(models=MODELS[:1])
    print_summary(run, metric_summaries(results))
    out = capsys.readouterr().out
    assert "separates them?" not in out and "does not separate" not in out
    assert "judge too small to discriminate" in out


def test_end_to_end_time_is_shown_only_when_something_was_retried(capsys: pytest.CaptureFixture[str]) -> None:
    from medchat.cli.eval_cmd import metric_summaries, print_summary

    def results_with(retried: str | None) -> tuple[RunInfo, list[SampleResult]]:
        run, results = run_with_a_small_judge()
        for r in results:
            performance = r.scores["performance"].value
            performance.update(attempts=3 if r.sample_id == retried else 1, e2e_s=performance["latency_s"])
        return run, results

    run, results = results_with(None)
    print_summary(run, metric_summaries(results))
    quiet = capsys.readouterr().out
    assert "│ e2e_s" not in quiet and "│ latency_s" in quiet and "attempts 1" in quiet
    run, results = results_with("q0")
    print_summary(run, metric_summaries(results))
    medical_qa = capsys.readouterr().out.split("medical-qa (mean")[1]
    assert "│ e2e_s" in medical_qa and "│ attempts" in medical_qa


def test_leaderboard_columns_the_same_for_every_model_move_under_the_table(tmp_path: Path) -> None:
    """Local models all cost $0 and answer the same samples: those columns cannot tell them apart."""
    run, results = run_with_a_small_judge()
    page = write_report(run, results, tmp_path / "r.html").read_text(encoding="utf-8")
    qa = re.search(r'id="task-medical-qa".*?<table class="leaderboard">(.*?)</table>(.*?)</div>(<p[^>]*>.*?</p>)',
                   page, re.DOTALL)
    assert qa is not None
    board, _, note = qa.groups()
    header = re.search(r"<thead>(.*?)</thead>", board, re.DOTALL).group(1)
    assert ">p50 latency<" in header
    assert ">cost<" not in header and ">samples<" not in header and ">errors<" not in header
    assert "The same for every model, so not a column: 4 samples · 0 of 4 errors · cost $0." in note
    footer = re.search(r"<tfoot>(.*?)</tfoot>", board, re.DOTALL).group(1)
    assert footer.count("<td") == 1 + 1 + 1  # the rank cell, f1's verdict, the latency's verdict
    assert re.search(r'sep-separates" title="separates these systems \(spread', footer)


def test_one_model_keeps_every_leaderboard_column(tmp_path: Path) -> None:
    run, results = run_with_a_small_judge(models=MODELS[:1])
    page = write_report(run, results, tmp_path / "one.html").read_text(encoding="utf-8")
    assert ">cost<" in page and "so not a column" not in page
