"""``medchat arena ... --judge A --judge B --judge C``: every judge's battles stored, the leaderboard from the jury's
majority per battle, each judge's position consistency and the judges' Fleiss κ / α; ``arena ratings --run`` rates
the jury (or ``--judge NAME`` one judge)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from medchat.cli.app import app
from medchat.evaluation.arena.jury import jury_agreement, jury_battles
from medchat.storage import close_databases
from medchat.storage.battles import StoredBattle
from tests.unit.evaluation.arena.players import KilledJudge, Players, fair, first_position, questions
from tests.unit.evaluation.judges.rules import RuleJudge

JURY = ("test/judge", "test/fair2", "test/biased")


@pytest.fixture(autouse=True)
def _close():
    yield
    close_databases()


@pytest.fixture
def players(monkeypatch: pytest.MonkeyPatch) -> Players:
    found = Players(monkeypatch)
    found.overrides["test/fair2"] = RuleJudge(fair, name="test/fair2")
    found.overrides["test/biased"] = RuleJudge(first_position, name="test/biased")  # always the first position
    return found


def invoke(*args: str):
    return CliRunner().invoke(app, ["arena", *args])


def judged(*more: str) -> list[str]:
    return [arg for judge in JURY for arg in ("--judge", judge)] + list(more)


def test_a_jury_run_stores_each_judges_battles_and_rates_the_majority(tmp_path, players):
    page = tmp_path / "arena.html"
    done = invoke(str(questions(tmp_path)), "-m", "test/c", "-m", "test/a", "-m", "test/b",
                  *judged("--bootstrap", "20", "-o", str(page)))
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert out.index("test/a") < out.index("test/b") < out.index("test/c")  # the fair majority outvotes the bias
    assert "battles: 27 stored of 27" in out  # 3 questions × 3 pairs × 3 judges
    assert "jury of 3: the leaderboard rates the jury's verdict on each of 9 battles" in out
    assert "position consistency of test/judge: 100.0% of 9" in out
    assert "position consistency of test/biased: 0.0% of 9" in out
    # per battle the fair judges name one winner, the biased one a tie: P_i = 1/3; with models given as c, a, b the
    # winner is model_b in 6 battles and model_a in 3, so p = (3/27, 6/27 for a and b, ×2 judges; 9/27 ties)
    p_e = (6 / 27) ** 2 + (12 / 27) ** 2 + (9 / 27) ** 2
    kappa = (1 / 3 - p_e) / (1 - p_e)
    assert f"Fleiss κ={kappa:.2f} [" in out and "on the 9 battles every judge decided" in out
    assert "Krippendorff α=" in out
    for judge in JURY:
        assert f"judge not calibrated ({judge})" in out
    html = page.read_text()
    assert "jury of 3: the leaderboard rates the jury" in html
    assert "position consistency of test/biased: 0.0%" in html and "Fleiss κ=" in html
    listed = invoke("runs")
    assert "\tjudged\tcompleted\t27/27 battles\tjury: test/judge, test/fair2, test/biased\t" in listed.output

    rated = invoke("ratings", "--run", "latest", "--format", "json", "--bootstrap", "0")
    assert rated.exit_code == 0, rated.output
    rows = json.loads(rated.stdout)
    assert [r["model"] for r in rows] == ["test/a", "test/b", "test/c"]
    assert sum(r["battles"] for r in rows) == 18  # 9 jury battles, two models each (not 27)

    one = invoke("ratings", "--run", "latest", "--judge", "test/biased", "--format", "json", "--bootstrap", "0")
    assert one.exit_code == 0, one.output
    assert {r["rating"] for r in json.loads(one.stdout)} == {1000.0}  # all ties
    missing = invoke("ratings", "--run", "latest", "--judge", "test/nobody")
    assert missing.exit_code == 2 and "no battles of judge 'test/nobody'" in missing.output
    assert invoke("ratings", "--judge", "test/judge", "x.jsonl").exit_code == 2


def test_the_json_report_carries_the_jury(tmp_path, players):
    done = invoke(str(questions(tmp_path, n=2)), "-m", "test/a", "-m", "test/b", *judged("-f", "json",
                                                                                          "--bootstrap", "0"))
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["jury"]["judges"] == list(JURY)
    assert result["jury"]["battles"] == 2 and result["jury"]["complete"] == 2
    assert result["jury"]["consistency"]["test/biased"] == {"consistent": 0, "judged": 2}
    assert result["battles"] == 6


def test_a_jury_run_resumes_with_only_the_missing_judges_battles(tmp_path, players):
    players.overrides["test/fair2"] = KilledJudge(dies_at=3, name="test/fair2")  # dies on its second battle
    first = invoke(str(questions(tmp_path, n=2)), "-m", "test/a", "-m", "test/b", *judged("--concurrency", "1"))
    assert first.exit_code == 1
    players.overrides["test/fair2"] = RuleJudge(fair, name="test/fair2")
    before = len(players.judge.prompts)

    resumed = invoke("--resume", "latest", "-f", "json", "--bootstrap", "0")
    assert resumed.exit_code == 0, resumed.output
    result = json.loads(resumed.stdout)
    # stored before the crash, one at a time: q0 by all three, q1 by test/judge; missing: q1 by fair2 and biased
    assert (result["reused"], result["asked"], result["battles"], result["status"]) == (4, 2, 6, "completed")
    assert len(players.overrides["test/fair2"].prompts) == 2  # one battle, both orders
    assert len(players.judge.prompts) == before  # test/judge had stored all of its battles
    assert [row["model"] for row in result["leaderboard"]] == ["test/a", "test/b"]


def battle(judge: str, winner: str, sample: str = "q1") -> StoredBattle:
    return StoredBattle(run_id="r", sample_id=sample, model_a="m/a", model_b="m/b", winner=winner, judge=judge,
                        prompt="pairwise@1", consistent=winner != "tie")


def test_jury_battles_with_a_missing_verdict_and_no_majority():
    stored = [battle("j1", "model_a"), battle("j2", "model_b"), battle("j1", "model_b", "q2"),
              battle("j2", "model_b", "q2"), battle("j3", "model_b", "q2")]
    battles = jury_battles(stored)
    assert [(b.sample_id, b.winner) for b in battles] == [("q1", "tie"), ("q2", "model_b")]
    assert battles[0].metadata == {"jury": {"j1": "model_a", "j2": "model_b"}}
    agreement = jury_agreement(stored, resamples=20)
    assert (agreement.battles, agreement.complete) == (2, 1)  # j3 did not judge q1
    assert agreement.alpha.n == 2


def test_an_arena_plan_stored_before_juries_reads_as_one_judge():
    from medchat.evaluation.arena.runner import ArenaPlan

    old = {"sources": ["qa.jsonl"], "models": ["test/a", "test/b"], "judge": "test/judge"}
    assert ArenaPlan.model_validate(old).jury() == ["test/judge"]
    assert ArenaPlan.model_validate({**old, "judges": list(JURY)}).jury() == list(JURY)
