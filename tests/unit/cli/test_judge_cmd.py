"""``medchat judge calibrate`` / ``calibrations``: the agreement table, JSON, resuming, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import medchat.gateway
from medchat.cli.app import app
from medchat.storage import close_databases
from tests.unit.evaluation.judges.rules import RuleJudge

DATA = Path(__file__).parents[2] / "data" / "eval" / "judges"


@pytest.fixture(autouse=True)
def _close():
    yield
    close_databases()


def test_calibrate_a_model_judge_prints_the_table_and_a_rerun_reuses_its_verdicts(monkeypatch):
    judges: list[RuleJudge] = []

    def fake_get_model(spec, **_):
        judges.append(RuleJudge(lambda p: '{"correct": %s}' % ("false" if "cure" in p else "true"), name=spec))
        return judges[-1]

    monkeypatch.setattr(medchat.gateway, "get_model", fake_get_model)
    runner = CliRunner()
    first = runner.invoke(app, ["judge", "calibrate", "--judge", "test/facts", str(DATA / "facts_flat.jsonl"),
                                "--repeats", "2"])
    assert first.exit_code == 0, first.output
    assert "Cohen's κ (vs majority)" in first.output and "self-consistency" in first.output
    assert "asked 6, reused 0" in first.output
    again = runner.invoke(app, ["judge", "calibrate", "-j", "test/facts", str(DATA / "facts_flat.jsonl"),
                                "--repeats", "2", "--json"])
    assert again.exit_code == 0, again.output
    result = json.loads(again.output)
    assert (result["asked"], result["reused"], result["agreement"]["accuracy"]["value"]) == (0, 6, 1.0)
    assert judges[-1].prompts == []
    listed = runner.invoke(app, ["judge", "calibrations"])
    assert listed.exit_code == 0 and "test/facts\tfacts@1\tfacts\tfacts_flat.jsonl\t3 items" in listed.output


def test_calibrate_a_replay_judge_and_list_as_json():
    runner = CliRunner()
    done = runner.invoke(app, ["judge", "calibrate", "--judge", f"replay/{DATA / 'replay_verdicts.jsonl'}",
                               str(DATA / "pairs_flat.jsonl"), "--no-store"])
    assert done.exit_code == 0, done.output
    assert "judge other-judge" in done.output and "κ without ties" in done.output
    listed = runner.invoke(app, ["judge", "calibrations", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output) == []


def test_bad_labels_are_one_line_errors(tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text('{"winner": "model_c", "question": "q", "answer_a": "x", "answer_b": "y"}\n')
    done = CliRunner().invoke(app, ["judge", "calibrate", "--judge", "replay/x.jsonl", str(bad)])
    assert done.exit_code == 1
    assert "labels.jsonl line 1: field 'winner' must be" in done.output and "Traceback" not in done.output
    repeated = CliRunner().invoke(app, ["judge", "calibrate", "--judge", "replay/x.jsonl", str(bad), "--repeats", "3"])
    assert repeated.exit_code == 2 and "drop --repeats" in repeated.output


def test_reports_made_inside_with_agreement_show_the_judges_calibration(capsys, tmp_path):
    from medchat.cli.eval_cmd import metric_summaries, print_summary
    from medchat.cli.judge_cmd import with_agreement
    from medchat.config import get_settings
    from medchat.evaluation.report import build_report
    from medchat.storage import open_database
    from medchat.storage.calibrations import CalibrationStore
    from tests.unit.evaluation.report.test_metric_notes import run_with_a_small_judge

    run, results = run_with_a_small_judge()

    @with_agreement
    def report() -> dict:
        print_summary(run, metric_summaries(results))
        return build_report([run], results).judge_notes

    notes = report()
    assert notes["conversations"]["rubric"] == \
        "judge too small to discriminate; judge not calibrated (builtin/smollm2)"
    assert "calibrated" in capsys.readouterr().out  # under the metric name, wrapped in the table
    CalibrationStore(open_database(get_settings())).save(
        judge="builtin/smollm2", prompt="rubric@1", digest="d" * 64, format="rubric", dataset="hb.jsonl", items=8,
        repeats=1, metrics={"kappa": {"value": 0.12, "ci_low": -0.2, "ci_high": 0.4, "n": 8}})
    notes = report()
    assert notes["conversations"]["rubric"].startswith(
        "judge too small to discriminate; agreement κ=0.12 [-0.20, 0.40] on hb.jsonl (")
    assert build_report([run], results).judge_notes["conversations"]["rubric"] == \
        "judge too small to discriminate (builtin/smollm2)"  # outside a reporting command: as before
