"""A run's answers that fallback models gave are counted per model and reason — in the statistics, the HTML
page's latency & cost table, the JSON and CSV exports, and ``medchat runs show`` — and shown only when some were."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from medchat.evaluation.report import build_report, export_csv, export_json, read_csv, read_json, write_report
from medchat.evaluation.results import SampleResult
from medchat.evaluation.stats import describe_fallbacks, fallback_counts, performance
from tests.unit.evaluation.report.demo_run import MODELS, demo_run

ASKED = MODELS[0]


def with_fallbacks(results: list[SampleResult]) -> list[SampleResult]:
    """The demo run with three of ``ASKED``'s answers given by a fallback: two rate-limited, one timed out."""
    marked, reasons = [], ["rate_limited", "timeout", "rate_limited"]
    for result in results:
        if reasons and result.model == ASKED and result.output is not None and result.error is None:
            mark = {"from": ASKED, "to": "builtin/extractive", "reason": reasons.pop(0)}
            result = result.model_copy(update={"output": result.output.model_copy(update={"fallback": mark})})
        marked.append(result)
    assert not reasons
    return marked


def test_fallback_answers_are_counted_per_model_and_reason() -> None:
    _, results = demo_run()
    results = with_fallbacks(results)
    assert fallback_counts(results) == {ASKED: {"rate_limited": 2, "timeout": 1}}
    rows = {p.model: p for p in performance(results)}
    assert rows[ASKED].fallbacks == {"rate_limited": 2, "timeout": 1}
    assert all(not rows[model].fallbacks for model in MODELS[1:])
    assert describe_fallbacks(rows[ASKED].fallbacks) == "3 (rate_limited 2, timeout 1)"
    assert describe_fallbacks({}) == ""


def test_the_page_and_the_exports_show_them_only_when_some_were(tmp_path: Path) -> None:
    run, plain = demo_run()
    page = write_report(run, plain, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "by a fallback" not in page

    results = with_fallbacks(plain)
    page = write_report(run, results, tmp_path / "marked.html").read_text(encoding="utf-8")
    assert "by a fallback" in page and "3 (rate_limited 2, timeout 1)" in page

    exported = read_json(export_json(run, results, tmp_path / "run.json"))
    assert {p.model: p.fallbacks for p in exported.report.performance}[ASKED] == {"rate_limited": 2, "timeout": 1}
    assert build_report([run], results).performance == exported.report.performance

    rows = read_csv(export_csv(results, tmp_path / "run.csv"))
    assert sorted(row["fallback"] for row in rows if row["fallback"]) == [
        "builtin/extractive (rate_limited)", "builtin/extractive (rate_limited)", "builtin/extractive (timeout)"]
    assert all(row["fallback"] is None for row in rows if row["model"] != ASKED)


def test_runs_show_names_the_fallbacks() -> None:
    from medchat.cli.app import app
    from medchat.evaluation.evaluate import open_run_store
    from medchat.storage import close_databases

    store = open_run_store()
    try:
        _, results = demo_run()
        results = with_fallbacks(results)
        run = store.create_run(tasks=sorted({r.task for r in results}), models=list(MODELS),
                               config={"plan": {"sources": ["demo"]}}, planned=len(results))
        for result in results:
            store.add_result(result.model_copy(update={"run_id": run.id}))
        store.update_run(run.id, status="completed")
        shown = CliRunner().invoke(app, ["runs", "show", run.id])
        assert shown.exit_code == 0, shown.output
        assert f"answered by a fallback: {ASKED}: 3 (rate_limited 2, timeout 1)" in shown.stdout
        assert shown.stdout.count("answered by a fallback") == 1  # no line for the models none answered for

        plain = store.create_run(tasks=["qa"], models=["test/model"], config={"plan": {}}, planned=1)
        store.add_result(SampleResult(run_id=plain.id, task="qa", model="test/model", sample_id="a"))
        store.update_run(plain.id, status="completed")
        assert "answered by a fallback" not in CliRunner().invoke(app, ["runs", "show", plain.id]).stdout
    finally:
        close_databases()
