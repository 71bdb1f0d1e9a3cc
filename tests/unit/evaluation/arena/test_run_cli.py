"""``medchat arena SUITE -m A -m B --judge J`` end to end with scripted models; ``arena import``, ``arena runs`` and
``arena ratings --run / --human``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medchat.cli.app import app
from medchat.storage import close_databases
from tests.unit.evaluation.arena.players import KilledJudge, Players, questions
from tests.unit.evaluation.judges.rules import RuleJudge

DATA = Path(__file__).parents[3] / "data" / "eval" / "arena"


@pytest.fixture(autouse=True)
def _close():
    yield
    close_databases()


@pytest.fixture
def players(monkeypatch: pytest.MonkeyPatch) -> Players:
    return Players(monkeypatch)


def invoke(*args: str):
    return CliRunner().invoke(app, ["arena", *args])


def test_a_run_prints_the_leaderboard_consistency_and_trust_and_writes_the_page(tmp_path, players):
    page = tmp_path / "arena.html"
    done = invoke(str(questions(tmp_path)), "-m", "test/a", "-m", "test/b", "-m", "test/c", "--judge", "test/judge",
                  "--bootstrap", "20", "-o", str(page))
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert out.index("test/a") < out.index("test/b") < out.index("test/c")  # best first
    assert "Bradley–Terry" in out and "95% CI" in out
    assert "battles: 9 stored of 9 (9 judged now, 0 stored before, 0 without a verdict)" in out
    assert "position consistency: 100.0% of 9 battles kept their verdict" in out
    assert "judge: judge not calibrated (test/judge)" in out
    html = page.read_text()
    assert 'id="arena"' in html and "chart-heatmap" in html and "Length bias" in html
    assert "judge not calibrated (test/judge)" in html and "position consistency" in html

    listed = invoke("runs")
    assert listed.exit_code == 0 and "\tjudged\tcompleted\t9/9 battles\ttest/judge\t" in listed.output


def test_resume_after_a_kill_asks_only_the_missing_battles_and_json_says_so(tmp_path, players):
    players.judge = KilledJudge(dies_at=4)
    first = invoke(str(questions(tmp_path)), "-m", "test/a", "-m", "test/b", "-j", "test/judge",
                   "--concurrency", "1")
    assert first.exit_code == 1 and "killed" not in first.stdout
    players.judge = RuleJudge(players.judge.rule, name="test/judge")

    resumed = invoke("--resume", "latest", "--format", "json", "--bootstrap", "0")
    assert resumed.exit_code == 0, resumed.output
    result = json.loads(resumed.stdout)
    assert (result["asked"], result["reused"], result["battles"], result["status"]) == (2, 1, 3, "completed")
    assert result["position_consistency"] == {"share": 1.0, "consistent": 3, "judged": 3}
    assert result["judge"]["trust"] == "judge not calibrated (test/judge)"
    assert [row["model"] for row in result["leaderboard"]] == ["test/a", "test/b"]
    assert len(players.judge.prompts) == 4

    refused = invoke("--resume", "latest", "-m", "test/c")
    assert refused.exit_code == 2 and "keeps its own --model" in refused.output


def test_import_then_rate_stored_runs_and_peoples_preferences(tmp_path):
    done = invoke("import", str(DATA / "battles.jsonl"))
    assert done.exit_code == 0, done.output
    run_id = done.output.split("arena run ")[1].split()[0]
    assert "48 battles stored" in done.output
    again = invoke("import", str(DATA / "battles.jsonl"))
    assert "0 battles stored" in again.output and "(48 already stored)" in again.output

    rated = invoke("ratings", "--run", run_id, "--format", "json", "--bootstrap", "0")
    assert rated.exit_code == 0, rated.output
    assert sum(row["battles"] for row in json.loads(rated.stdout)) == 96  # 48 battles, two models each

    from medchat.config import get_settings
    from medchat.storage import open_database
    from medchat.storage.preferences import PreferenceStore

    preferences = PreferenceStore(open_database(get_settings()))
    preferences.add("q", "m/a", "good", "m/b", "bad", "a")
    people = invoke("ratings", "--human", "--format", "json", "--bootstrap", "0")
    assert people.exit_code == 0, people.output
    assert {row["model"] for row in json.loads(people.stdout)} == {"m/a", "m/b"}

    assert invoke("ratings").exit_code == 2
    missing = invoke("ratings", "--run", "nope")
    assert missing.exit_code == 1 and "arena run 'nope' not found" in missing.output
    bad = invoke("import", str(DATA / "bad_winner.jsonl"))
    assert bad.exit_code == 1 and "bad_winner.jsonl:4" in bad.output and "Traceback" not in bad.output


def test_usage_errors_name_the_fix(tmp_path):
    data = str(questions(tmp_path))
    one = invoke(data, "-m", "test/a", "--judge", "j")
    assert one.exit_code == 2 and "give two models or more" in one.output
    unknown = invoke("nope.jsonl", "-m", "a", "-m", "b", "--judge", "j")
    assert unknown.exit_code == 1 and "no suite or file named 'nope.jsonl'" in unknown.output


def test_battles_without_a_verdict_are_counted_not_stored_and_exit_3(tmp_path, players):
    players.judge = RuleJudge(lambda prompt: "I cannot decide.", name="test/judge")
    done = invoke(str(questions(tmp_path, n=1)), "-m", "test/a", "-m", "test/b", "-j", "test/judge")
    assert done.exit_code == 3
    assert "battles: 0 stored of 1 (0 judged now, 0 stored before, 1 without a verdict)" in done.stdout
    assert "no battles stored: nothing to rate" in done.stdout
    assert "1 battles got no verdict from the judge" in done.output and "medchat arena --resume arena-" in done.output
    assert "Traceback" not in done.output
