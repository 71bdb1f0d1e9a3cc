"""A jury of judges as a user runs one: ``medchat eval --judge A --judge B`` and ``medchat arena ... --judge A --judge
B``, every model (answering and judging) behind a local OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wire.fake_server import FakeServer, Recorded, Reply
from tests.wire.test_openai_compat import completion_body

MEDCHAT = [sys.executable, "-m", "medchat.cli"]
ALIASES = {"local": "test-model", "other": "other-model", "lenient": "lenient-judge", "strict": "strict-judge",
           "picky": "picky-judge"}


def medchat(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDCHAT, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def reply(request: Recorded) -> Reply:
    """Answers by model: the answering models say one thing; the lenient judge approves everything and prefers A,
    the strict one approves nothing and calls every battle a tie, the picky one approves only rest and prefers the
    longer answer."""
    body = request.json
    model, prompt = body["model"], body["messages"][0]["content"]
    if model == "test-model":
        return Reply(json=completion_body("Rest and drink plenty of fluids."))
    if model == "other-model":
        return Reply(json=completion_body("Rest."))
    pairwise = "<reply_a>" in prompt
    if pairwise:
        a = prompt.split("<reply_a>", 1)[1].split("</reply_a>", 1)[0]
        b = prompt.split("<reply_b>", 1)[1].split("</reply_b>", 1)[0]
        winner = {"lenient-judge": "A", "strict-judge": "tie",
                  "picky-judge": "A" if len(a) > len(b) else "B"}[model]
        return Reply(json=completion_body(json.dumps({"explanation": "scripted", "winner": winner})))
    criterion = prompt.split("<criterion>", 1)[1].split("</criterion>", 1)[0]
    met = {"lenient-judge": True, "strict-judge": False, "picky-judge": "rest" in criterion}[model]
    return Reply(json=completion_body(json.dumps({"explanation": "scripted", "criteria_met": met})))


@pytest.fixture
def env(tmp_path: Path, fake_server: FakeServer) -> dict[str, str]:
    config = tmp_path / "medchat.toml"
    config.write_text("".join(f'[models.{alias}]\nmodel = "openai/{name}"\nbase_url = "{fake_server.url}/v1"\n'
                              'api_key = "sk-test"\n' for alias, name in ALIASES.items()))
    fake_server.handler = reply
    return {"MEDCHAT_CONFIG": str(config), "MEDCHAT_DATA_DIR": str(tmp_path / "data")}


def rubric_file(tmp_path: Path) -> Path:
    rubric = [{"criterion": "Advises rest and fluids.", "points": 6}, {"criterion": "Says when to see a doctor.",
                                                                         "points": 4}]
    path = tmp_path / "colds.jsonl"
    path.write_text("".join(json.dumps({"id": f"c{i}", "input": f"How can I ease cold {i}?", "rubric": rubric}) + "\n"
                            for i in range(3)), encoding="utf-8")
    return path


def test_eval_with_a_jury_shows_each_judge_and_their_agreement(tmp_path: Path, env: dict[str, str]) -> None:
    done = medchat("eval", str(rubric_file(tmp_path)), "-m", "local", "--judge", "lenient", "--judge", "strict",
                   "--judge", "picky", "--no-report", env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    rubric = next(line for line in out.splitlines() if line.startswith("│ rubric"))
    assert "0.600" in rubric  # rest: lenient + picky; doctor: lenient only
    lines = {judge: next(line for line in out.splitlines() if f"↳ judge openai/{ALIASES[judge]} " in line)
             for judge in ("lenient", "strict", "picky")}
    assert "1.000" in lines["lenient"] and "0.000" in lines["strict"] and "0.600" in lines["picky"]
    assert "judges' agreement α=" in out and "over 3 answers" in out
    assert out.count("judge not calibrated") == 3


def test_arena_with_a_jury_rates_the_majority_and_reports_each_judge(tmp_path: Path, env: dict[str, str]) -> None:
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i}", "input": f"question {i}"}) + "\n" for i in range(2)))
    done = medchat("arena", str(data), "-m", "local", "-m", "other", "--judge", "lenient", "--judge", "strict",
                   "--judge", "picky", "--bootstrap", "0", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["battles"] == 6  # 2 questions × 1 pair × 3 judges
    jury = result["jury"]
    assert jury["battles"] == 2 and jury["complete"] == 2
    consistency = jury["consistency"]
    assert consistency["openai/lenient-judge"] == {"consistent": 0, "judged": 2}  # always A: flips with the order
    assert consistency["openai/picky-judge"] == {"consistent": 2, "judged": 2}
    # lenient flips (a tie), strict ties, picky names the longer answer: the jury's majority is a tie
    assert {row["model"]: row["rating"] for row in result["leaderboard"]} == {"openai/test-model": 1000.0,
                                                                              "openai/other-model": 1000.0}

    assert jury["judges"] == ["openai/lenient-judge", "openai/strict-judge", "openai/picky-judge"]

    rated = medchat("arena", "ratings", "--run", "latest", "--judge", "openai/picky-judge", "--format", "json",
                    "--bootstrap", "0", env=env)
    assert rated.returncode == 0, rated.stderr
    rows = json.loads(rated.stdout)  # the picky judge alone: the longer answer wins both battles
    assert rows[0]["model"] == "openai/test-model" and rows[0]["rating"] > rows[1]["rating"]
