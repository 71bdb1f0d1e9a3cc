"""``medchat eval`` as a user runs it: against a local OpenAI-compatible server, killed and resumed,
recorded answers replayed, --fail-under for CI, runs listed and reported."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.wire.fake_server import FakeServer, Recorded, Reply
from tests.wire.test_openai_compat import completion_body

MEDCHAT = [sys.executable, "-m", "medchat.cli"]
QUESTIONS = {f"q{i}": (f"Question number {i} about hydration?", f"answer {i}") for i in range(10)}

def medchat(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDCHAT, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **env})

@pytest.fixture
def setup(tmp_path: Path, fake_server: FakeServer) -> tuple[Path, dict[str, str]]:
    data = tmp_path / "hydration.jsonl"
    data.write_text("".join(json.dumps({"id": key, "input": q, "target": [a], "tags": ["demo"]}) + "\n"
                            for key, (q, a) in QUESTIONS.items()), encoding="utf-8")
    config = tmp_path / "medchat.toml"
    config.write_text(f'[models.local]\nmodel = "openai/test-model"\nbase_url = "{fake_server.url}/v1"\n'
                      'api_key = "sk-test"\n')
    env = {"MEDCHAT_CONFIG": str(config), "MEDCHAT_DATA_DIR": str(tmp_path / "data")}
    return data, env

def answer_for(request: Recorded) -> str:
    asked = request.json["messages"][-1]["content"]
    number = asked.split("number ")[1].split()[0]
    return f"answer {number}"

def stored(db: Path) -> list[tuple[str, str, int]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as connection:
        try:
            return connection.execute("SELECT sample_id, model, epoch FROM sample_results").fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []

def test_a_run_killed_with_sigkill_resumes_with_every_sample_scored_exactly_once(
        setup: tuple[Path, dict[str, str]], fake_server: FakeServer, tmp_path: Path) -> None:
    data, env = setup
    db = tmp_path / "data" / "medchat.db"
    four_answered = threading.Event()
    answered: list[str] = []
    lock = threading.Lock()

    def first_run(request: Recorded) -> Reply:
        with lock:
            if len(answered) >= 4:  # later requests hang: the run is "slow" when it is killed
                four_answered.set()
                return Reply(hang=True)
            answered.append(answer_for(request))
        return Reply(json=completion_body(answered[-1]))

    fake_server.handler = first_run
    process = subprocess.Popen([*MEDCHAT, "eval", str(data), "-m", "local", "--concurrency", "2", "--no-report"],
                               env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert four_answered.wait(timeout=120), "the run never got past four answers"
        for _ in range(600):  # wait (polling the database, no sleeps) until the four answers are committed
            if len(stored(db)) >= 4:
                break
            threading.Event().wait(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    before = stored(db)
    assert len(before) == 4
    listed = medchat("runs", "list", env=env)  # piped: tab-separated, status third
    assert listed.stdout.split("\t")[2] == "interrupted", listed.stdout  # its process is gone, not "running"

    fake_server.handler = lambda request: Reply(json=completion_body(answer_for(request)))
    fake_server.release.set()  # let the hung handlers of the dead run finish
    first_requests = len(fake_server.requests)
    out = medchat("eval", "--resume", "latest", "--no-report", env=env)
    assert out.returncode == 0, out.stderr
    rows = stored(db)
    assert sorted(r[0] for r in rows) == sorted(QUESTIONS)  # every sample exactly once
    assert len(rows) == len(set(rows)) == 10
    resumed = [r.json["messages"][-1]["content"] for r in fake_server.requests[first_requests:]]
    done_first = {row[0] for row in before}
    assert not any(QUESTIONS[key][0] in asked for key in done_first for asked in resumed)
    assert "completed, 10/10 results" in out.stdout

def test_recorded_answers_are_scored_and_fail_under_gates_ci(setup: tuple[Path, dict[str, str]],
                                                             tmp_path: Path) -> None:
    data, env = setup
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"id": key, "output": a if key != "q3" else "something else"}) + "\n"
                               for key, (_q, a) in QUESTIONS.items()), encoding="utf-8")
    out = medchat("eval", str(data), "-m", f"replay/{answers}", "--scorer", "exact_match", "--no-report",
                  "--fail-under", "exact_match=0.95", env=env)
    assert out.returncode == 2, out.stderr
    assert "exact_match 0.900 < 0.95" in out.stderr
    assert "0.900" in out.stdout
    out = medchat("eval", str(data), "-m", f"replay/{answers}", "--scorer", "exact_match", "--no-report",
                  "--fail-under", "exact_match=0.9", env=env)
    assert out.returncode == 0, out.stderr

    listed = medchat("runs", "list", env=env)
    assert listed.returncode == 0 and listed.stdout.count("completed") == 2
    shown = medchat("runs", "show", "latest", env=env)
    assert shown.returncode == 0 and "exact_match" in shown.stdout and "replay/" in shown.stdout

def test_samples_that_carry_their_output_are_graded_as_given(tmp_path: Path,
                                                             setup: tuple[Path, dict[str, str]]) -> None:
    _data, env = setup
    logged = tmp_path / "logged.jsonl"
    logged.write_text(json.dumps({"id": "x", "input": "What is a fever?", "target": ["a high temperature"],
                                  "output": "A high temperature."}) + "\n", encoding="utf-8")
    out = medchat("eval", str(logged), "-m", "replay/samples", "--scorer", "f1", "--no-report", env=env)
    assert out.returncode == 0, out.stderr
    assert "1.000" in out.stdout

@pytest.mark.parametrize(("args", "message"), [
    (["nope-suite"], "no suite or file named 'nope-suite'"),
    (["--resume", "20990101"], "evaluation run '20990101' not found"),
    (["medical-qa", "--solver", "magic"], "unknown solver 'magic'"),
    (["medical-qa", "--scorer", "magic"], "unknown scorer 'magic'"),
    (["medical-qa", "--fail-under", "f1"], "is not KEY=VALUE"),
])
def test_bad_arguments_give_one_line(setup: tuple[Path, dict[str, str]], args: list[str], message: str) -> None:
    _data, env = setup
    out = medchat("eval", *args, "-m", "replay/samples", env=env) if "--resume" not in args else \
        medchat("eval", *args, env=env)
    assert out.returncode in (1, 2)
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_reports_of_a_run_and_a_comparison_of_two(setup: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    data, env = setup
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text("".join(json.dumps({"id": k, "output": a}) + "\n" for k, (_q, a) in QUESTIONS.items()))
    bad.write_text("".join(json.dumps({"id": k, "output": "no idea"}) + "\n" for k in QUESTIONS))
    html = tmp_path / "run.html"
    out = medchat("eval", str(data), "-m", f"replay/{good}", "--scorer", "exact_match", "-o", str(html), env=env)
    assert out.returncode == 0, out.stderr
    assert f"report: {html}" in out.stdout and "<svg" in html.read_text(encoding="utf-8")
    first = medchat("runs", "list", env=env).stdout.split("\t")[0]
    assert medchat("eval", str(data), "-m", f"replay/{bad}", "--scorer", "exact_match", "--no-report",
                   env=env).returncode == 0
    second = medchat("runs", "list", env=env).stdout.splitlines()[0].split("\t")[0]

    exported = medchat("report", first, "--format", "json", "-o", str(tmp_path / "run.json"), env=env)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads((tmp_path / "run.json").read_text())["samples"]) == 10
    csv = medchat("report", first, "--format", "csv", "-o", str(tmp_path / "run.csv"), env=env)
    assert csv.returncode == 0 and (tmp_path / "run.csv").read_text().count("\n") == 11  # header + 10 rows

    compared = medchat("report", "compare", first, second, "-o", str(tmp_path / "cmp.html"), env=env)
    assert compared.returncode == 0, compared.stderr
    page = (tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert "exact_match" in page and "McNemar" in page
    assert medchat("report", "compare", first, env=env).returncode == 2

def test_an_invalid_record_is_skipped_with_a_warning_or_fails_under_strict(tmp_path: Path,
                                                                            setup: tuple[Path, dict[str, str]]) -> None:
    _data, env = setup
    logged = tmp_path / "logged.jsonl"
    record = {"input": "What is a fever?", "target": ["a high temperature"], "output": "A high temperature."}
    logged.write_text(json.dumps({"id": "x", **record}) + "\n" + json.dumps({"id": "y", "target": ["t"]}) + "\n"
                      + json.dumps({"id": "z", **record}) + "\n", encoding="utf-8")
    out = medchat("eval", str(logged), "-m", "replay/samples", "--scorer", "f1", "--no-report", env=env)
    assert out.returncode == 0, out.stderr
    assert f"warning: {logged}: 2 loaded, 1 skipped (line 2: missing field 'input')\n" in out.stderr
    assert "2/2 results" in out.stdout
    out = medchat("eval", str(logged), "-m", "replay/samples", "--scorer", "f1", "--no-report", "--strict", env=env)
    assert out.returncode == 1
    assert f"{logged} line 2: missing field 'input'" in out.stderr
    assert "Traceback" not in out.stderr
