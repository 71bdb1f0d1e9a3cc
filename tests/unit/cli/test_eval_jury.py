"""``medchat eval --judge A --judge B``: a jury grades, the table shows each judge's mean beside the jury's and the
judges' α, the plan stores the jury, and a stored plan from before juries (one ``judge``) still resumes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import medchat.gateway
from medchat.cli.app import app
from medchat.evaluation.plan import EvalPlan
from medchat.storage import close_databases
from tests.unit.evaluation.judges.jurors import keyword, lenient, strict
from tests.unit.evaluation.judges.rules import RuleJudge

RUBRIC = [{"criterion": "Advises rest and fluids.", "points": 6}, {"criterion": "Says when to see a doctor.",
                                                                     "points": 4}]


@pytest.fixture(autouse=True)
def _close():
    yield
    close_databases()


@pytest.fixture
def models(monkeypatch: pytest.MonkeyPatch) -> dict[str, RuleJudge]:
    built = {"test/lenient": lenient(), "test/strict": strict(), "test/keyword": keyword("rest"),
             "test/model": RuleJudge(lambda prompt: "Rest and drink fluids.", name="test/model")}

    def get_model(name: str, **_: Any) -> RuleJudge:
        return built[name]

    monkeypatch.setattr(medchat.gateway, "get_model", get_model)
    return built


def rubric_file(tmp_path: Path, n: int = 3) -> Path:
    path = tmp_path / "colds.jsonl"
    path.write_text("".join(json.dumps({"id": f"c{i}", "input": f"How can I ease cold {i}?", "rubric": RUBRIC}) + "\n"
                            for i in range(n)), encoding="utf-8")
    return path


def invoke(*args: str, report: bool = False):
    return CliRunner().invoke(app, ["eval", *args, *([] if report else ["--no-report"])])


def test_a_jury_grades_and_the_table_shows_each_judge_and_their_agreement(tmp_path, models):
    page = tmp_path / "report.html"
    done = invoke(str(rubric_file(tmp_path)), "-m", "test/model", "--judge", "test/lenient", "--judge",
                  "test/strict", "--judge", "test/keyword", "-o", str(page), report=True)
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert "rubric" in out and "0.600" in out  # rest met by 2 of 3, doctor by 1 of 3: 6 of 10
    assert "↳ judge test/lenient" in out and "1.000" in out
    assert "↳ judge test/strict" in out and "0.000" in out
    assert "↳ judge test/keyword" in out
    assert "judges' agreement α=" in out and "over 3 answers" in out
    for name in ("test/lenient", "test/strict", "test/keyword"):  # each judge's calibration note, as for one
        assert f"judge not calibrated ({name})" in out
    for judge in ("test/lenient", "test/strict", "test/keyword"):
        assert len(models[judge].prompts) == 6  # every judge asked every criterion once
    html = page.read_text(encoding="utf-8")
    assert "jury of 3 (majority): test/lenient 1.000, test/strict 0.000, test/keyword 0.600 → 0.600; α=" in html
    assert "judge not calibrated (test/strict)" in html

    shown = CliRunner().invoke(app, ["runs", "show", "latest"])
    assert shown.exit_code == 0, shown.output
    assert "judges: ['test/lenient', 'test/strict', 'test/keyword']" in shown.stdout
    assert "↳ judge test/strict" in shown.stdout


def test_one_judge_is_unchanged_and_the_plan_stores_no_jury(tmp_path, models):
    from medchat.evaluation.evaluate import open_run_store

    done = invoke(str(rubric_file(tmp_path)), "-m", "test/model", "--judge", "test/lenient")
    assert done.exit_code == 0, done.output
    assert "↳ judge" not in done.stdout and "1.000" in done.stdout
    plan = open_run_store().get_run("latest").config["plan"]
    assert plan["judge"] == "test/lenient" and plan["judges"] == []


def test_a_stored_plan_from_before_juries_resumes_with_its_one_judge(tmp_path, models):
    from medchat.evaluation.evaluate import open_run_store

    old = EvalPlan(sources=[str(rubric_file(tmp_path, 2))], models=["test/model"], judge="test/strict")
    stored = old.model_dump(mode="json")
    stored.pop("judges")  # what a plan stored before juries holds
    assert EvalPlan.model_validate(stored).jury() == ["test/strict"]
    store = open_run_store()
    run = store.create_run(tasks=["colds"], models=["test/model"], config={"plan": stored}, planned=2)
    store.update_run(run.id, status="interrupted")
    resumed = invoke("--resume", run.id)
    assert resumed.exit_code == 0, resumed.output
    assert "↳ judge" not in resumed.stdout and len(models["test/strict"].prompts) == 4
