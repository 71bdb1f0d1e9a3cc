"""``medchat eval`` against a flaky upstream loses no sample.

The upstream (``tests/wire/faults.py``) fails ~30 % of calls in every way a real one does — 429 with
Retry-After, 500, 503, hangs past the client's timeout, bodies cut mid-way, invalid JSON, reset connections,
incomplete chunked reads — deterministically by seed, so the fewest calls each sample takes is known in
advance and checked against what the run stored.

Nothing here depends on how fast the machine is: the client's timeout is generous (a normal answer comes in
milliseconds), and should an answer still take longer under load, that costs the sample one more call, which
the asserts allow — the stored attempts must equal the calls the upstream saw, and be at least the plan's.
Hangs cost that timeout each, so only a few prompts may hang, keeping the test at a few seconds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wire.fake_server import FakeServer
from tests.wire.faults import FAULTS, FaultPlan

MEDCHAT = [sys.executable, "-m", "medchat.cli"]
SAMPLES = 200
FEW = 60  # enough for every kind of outcome when only the exit code and --retry-errors are under test
SEED = 11
TIMEOUT_S = 2.0  # the client's read timeout: a hung call fails after this
HANGING = 20  # only the prompts of q0..q19 may hang (a few of them do): each hang costs TIMEOUT_S


def number(prompt: str) -> int:
    return int(prompt.split("number ")[1].split()[0])


def question(i: int) -> str:
    return f"Question number {i} about hydration?"


def answer(prompt: str) -> str:
    return "answer " + prompt.split("number ")[1].split()[0]


def medchat(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MEDCHAT, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def write_samples(path: Path, count: int) -> Path:
    path.write_text("".join(json.dumps({"id": f"q{i}", "input": question(i), "target": [f"answer {i}"]}) + "\n"
                            for i in range(count)), encoding="utf-8")
    return path


@pytest.fixture
def flaky(tmp_path: Path, fake_server: FakeServer) -> tuple[Path, dict[str, str], FaultPlan]:
    data = write_samples(tmp_path / "hydration.jsonl", SAMPLES)
    config = tmp_path / "medchat.toml"
    config.write_text(f'[models.flaky]\nmodel = "openai/test-model"\nbase_url = "{fake_server.url}/v1"\n'
                      f'api_key = "sk-test"\ntimeout_s = {TIMEOUT_S}\n\n'
                      # backoff in milliseconds; Retry-After (10 ms) is honoured as sent
                      '[retry]\nmax_attempts = 10\nbackoff_base_s = 0.002\nbackoff_max_s = 0.02\njitter = 0.0\n')
    plan = FaultPlan(seed=SEED, rate=0.3, answer=answer, may_hang=lambda prompt: number(prompt) < HANGING)
    fake_server.handler = plan.reply
    env = {"MEDCHAT_CONFIG": str(config), "MEDCHAT_DATA_DIR": str(tmp_path / "data")}
    return data, env, plan


def stored(db: Path) -> list[tuple[str, str | None, dict[str, float]]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT sample_id, error, metrics FROM sample_results").fetchall()
    return [(sample, error, json.loads(metrics)) for sample, error, metrics in rows]


def test_a_flaky_upstream_loses_no_sample(flaky: tuple[Path, dict[str, str], FaultPlan],
                                          fake_server: FakeServer, tmp_path: Path) -> None:
    data, env, plan = flaky
    needed = {f"q{i}": plan.attempts_needed(question(i)) for i in range(SAMPLES)}
    assert max(needed.values()) <= 10  # the seed's worst sample fits the retry budget

    out = medchat("eval", str(data), "-m", "flaky", "--limit", str(SAMPLES), "--concurrency", "16",
                  "--scorer", "exact_match", "--scorer", "performance", "--no-report", env=env)

    assert out.returncode == 0, out.stderr
    assert f"completed, {SAMPLES}/{SAMPLES} results" in out.stdout and "errors" not in out.stdout
    rows = stored(tmp_path / "data" / "medchat.db")
    assert sorted(r[0] for r in rows) == sorted(needed)  # every sample, each stored once
    assert all(error is None and metrics["exact_match"] == 1.0 for _s, error, metrics in rows)
    # every kind of fault happened, and each was retried: at least the calls the plan predicts (one more for an
    # answer that came later than the timeout, were the machine that slow)
    assert set(plan.outcomes) == {*FAULTS, "ok"}
    assert sum(needed.values()) > SAMPLES * 1.3
    assert sum(plan.calls.values()) >= sum(needed.values())
    # each answer's timing: the answering attempt's latency, plus how many tries it took — every call the
    # upstream saw for its prompt, none lost and none invented — and how long in all
    for sample, _error, metrics in rows:
        calls = plan.calls[question(int(sample[1:]))]
        assert metrics["performance.attempts"] == calls >= needed[sample]
        assert metrics["performance.e2e_s"] >= metrics["performance.latency_s"]


def asked_since(plan: FaultPlan, before: dict[str, int]) -> set[str]:
    return {prompt for prompt, n in plan.calls.items() if n > before.get(prompt, 0)}


def test_errors_that_remain_exit_3_and_retry_errors_asks_only_those_again(
        flaky: tuple[Path, dict[str, str], FaultPlan], fake_server: FakeServer, tmp_path: Path) -> None:
    _data, env, plan = flaky
    data = write_samples(tmp_path / "few.jsonl", FEW)
    report = tmp_path / "run.html"
    once = {**env, "MEDCHAT_RETRY__MAX_ATTEMPTS": "1"}  # no retries: every first-call fault stays an error
    failing = {f"q{i}" for i in range(FEW) if plan.fault(question(i), 0) is not None}

    out = medchat("eval", str(data), "-m", "flaky", "--concurrency", "16", "--scorer", "exact_match",
                  "-o", str(report), "--max-errors", "5", env=once)

    assert out.returncode == 3, out.stderr
    run_id = out.stdout.split("run ")[-1].split(":")[0]
    assert f"{len(failing)} of {FEW} samples ended in an error" in out.stderr
    assert f"medchat eval --retry-errors {run_id}" in out.stderr
    assert report.is_file()  # the report is written before the exit code says what went wrong
    first_report = report.read_text(encoding="utf-8")
    rows = stored(tmp_path / "data" / "medchat.db")
    assert {sample for sample, error, _m in rows if error} == failing

    calls_before = dict(plan.calls)
    tolerant = medchat("eval", "--retry-errors", run_id, "--max-errors", "100%", "--no-report", env=once)
    assert tolerant.returncode == 0, tolerant.stderr  # errors remain, but within --max-errors
    assert asked_since(plan, calls_before) == {question(int(s[1:])) for s in failing}  # only the errored ones
    remaining = {s for s in failing if plan.fault(question(int(s[1:])), 1) is not None}
    assert remaining and {sample for sample, error, _m in stored(tmp_path / "data" / "medchat.db") if error} \
        == remaining

    calls_before = dict(plan.calls)
    fixed = medchat("eval", "--retry-errors", run_id, "-o", str(report), env=env)  # with retries again

    assert fixed.returncode == 0, fixed.stderr
    assert f"completed, {FEW}/{FEW} results" in fixed.stdout
    assert asked_since(plan, calls_before) == {question(int(s[1:])) for s in remaining}
    rows = stored(tmp_path / "data" / "medchat.db")
    assert len(rows) == FEW and sorted(r[0] for r in rows) == sorted(f"q{i}" for i in range(FEW))
    assert all(error is None and metrics["exact_match"] == 1.0 for _s, error, metrics in rows)
    assert report.read_text(encoding="utf-8") != first_report  # rewritten for the repaired run

