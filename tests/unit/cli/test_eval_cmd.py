"""``--max-errors N|P%``: how many errored samples a run may end with before ``medchat eval`` exits 3, and what
to do about them; what a stored run (``--resume``, ``--retry-errors``) takes anew and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import medchat.gateway
from medchat.cli.eval_cmd import _error_budget, _too_many_errors, error_advice, next_step
from medchat.config import Price
from medchat.evaluation.results import RunInfo, SampleResult
from medchat.types import Usage
from tests.scripted import ScriptedModel


def run(errors: int, planned: int = 200, **fields: Any) -> RunInfo:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    fields = {"status": "completed", "done": planned, **fields}
    return RunInfo(id="20261201-120000-abcd", created_at=now, updated_at=now, planned=planned, errors=errors,
                   **fields)


@pytest.mark.parametrize(("spelled", "errors", "over"), [
    ("0", 0, False), ("0", 1, True),  # the default: any error
    ("3", 3, False), ("3", 4, True),
    ("2%", 4, False), ("2%", 5, True),  # of the 200 planned samples
    ("2.5%", 5, False), ("2.5%", 6, True),
    ("100%", 200, False),
])
def test_errors_are_counted_against_a_number_or_a_share_of_the_planned_samples(spelled: str, errors: int,
                                                                                over: bool) -> None:
    message = _too_many_errors(run(errors), _error_budget(spelled), spelled, [])
    assert (message is not None) is over
    if message:
        assert "\n" not in message
        assert f"{errors} of 200 samples ended in an error" in message
        assert message.endswith("ask them again with: medchat eval --retry-errors 20261201-120000-abcd")


@pytest.mark.parametrize("spelled", ["many", "-1", "5.5", "101%", "x%"])
def test_a_bad_max_errors_is_a_usage_error(spelled: str) -> None:
    with pytest.raises(typer.BadParameter, match="--max-errors|count or a percentage|out of range"):
        _error_budget(spelled)


RUN = "20261201-120000-abcd"
TIMEOUT = "flaky: no answer from http://upstream/v1 in time — raise timeout_s or check the server"
AUTH = "flaky: authentication failed (401): Incorrect API key provided — check OPENAI_API_KEY"


def errored(message: str, retryable: bool | None, sample: str = "q0") -> SampleResult:
    return SampleResult(run_id=RUN, task="qa", model="flaky", sample_id=sample, error=message,
                        error_retryable=retryable)


def test_retrying_is_suggested_only_when_another_try_may_answer() -> None:
    again = f"medchat eval --retry-errors {RUN}"
    assert error_advice([errored(TIMEOUT, True)], RUN) == f"ask them again with: {again}"
    assert error_advice([errored(TIMEOUT, None)], RUN) == f"ask them again with: {again}"  # stored before the kind
    # every error permanent: the cause is named, and retrying comes only after fixing it
    assert error_advice([errored(AUTH, False, "q0"), errored(AUTH, False, "q1")], RUN) == (
        f"another try would fail the same ({AUTH}); fix that, then ask them again with: {again}")
    mixed = error_advice([errored(AUTH, False, "q0"), errored(TIMEOUT, True, "q1"), errored(TIMEOUT, True, "q2")], RUN)
    assert mixed == f"2 may pass on another try, 1 would fail the same ({AUTH}); ask them again with: {again}"
    other = error_advice([errored(AUTH, False, "q0"), errored("bad request (400)", False, "q1")], RUN)
    assert "(e.g. " in other and "\n" not in other


def test_the_exit_3_line_names_the_cause_of_permanent_errors() -> None:
    results = [errored(AUTH, False, "q0"), errored(AUTH, False, "q1")]
    message = _too_many_errors(run(2), _error_budget("0"), "0", results)
    assert message is not None and "\n" not in message
    assert message.startswith("2 of 200 samples ended in an error (1.0 %), more than --max-errors 0; another try "
                              f"would fail the same ({AUTH})")


def test_the_next_step_is_worded_from_why_the_run_stopped() -> None:
    assert next_step(run(0)) is None
    assert next_step(run(0, status="running")) is None
    assert next_step(run(0, planned=10, status="incomplete", done=7)) == (
        f"3 of 10 samples were never asked; finish it with: medchat eval --resume {RUN}")
    assert next_step(run(0, status="interrupted")) == (
        f"its process stopped before the end; finish it with: medchat eval --resume {RUN}")
    over = run(0, status="over_budget", cost_usd=2.0, config={"plan": {"budget_usd": 1.5}})
    assert next_step(over) == ("stopped at its budget ($2.0000 spent of its $1.5 budget); finish it with a larger one: "
                               f"medchat eval --resume {RUN} --budget USD")


def invoke(*args: str) -> Any:
    from medchat.cli.app import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})
    result.flat = " ".join(result.output.replace("│", " ").split())  # rich's error panel, unwrapped
    return result


@pytest.mark.parametrize("flag", ["--resume", "--retry-errors"])
def test_a_stored_run_names_the_flag_given_and_refuses_what_it_would_ignore(flag: str) -> None:
    out = invoke("eval", "qa.jsonl", flag, "latest")
    assert out.exit_code == 2
    assert f"Invalid value for {flag}: the stored run keeps its own suites and models; drop them or {flag}" in out.flat

    out = invoke("eval", flag, "latest", "--limit", "5", "--max-tokens", "160", "--strict", "--concurrency", "2")
    assert out.exit_code == 2  # --max-tokens at its default value is refused too: it was given
    assert (f"Invalid value for {flag}: the stored run keeps its own --limit, --max-tokens, --strict; drop them (a "
            "stored run takes only --concurrency and --budget anew)") in out.flat


@pytest.fixture
def priced_models(monkeypatch: pytest.MonkeyPatch) -> list[ScriptedModel]:
    built: list[ScriptedModel] = []

    def get_model(name: str, **_: Any) -> ScriptedModel:  # each answer costs $1
        built.append(ScriptedModel(name=name, usage=Usage(prompt_tokens=0, completion_tokens=1_000_000),
                                   price=Price(input=0.0, output=1.0)))
        return built[-1]

    monkeypatch.setattr(medchat.gateway, "get_model", get_model)
    return built


def test_a_resumed_run_takes_a_new_budget_and_concurrency(tmp_path: Path, priced_models: list[ScriptedModel]) -> None:
    from medchat.evaluation.evaluate import open_run_store

    data = tmp_path / "qa.jsonl"
    data.write_text("".join(f'{{"id": "q{i}", "input": "question {i}", "target": ["ok"]}}\n' for i in range(4)),
                    encoding="utf-8")
    first = invoke("eval", str(data), "-m", "test/a", "--scorer", "exact_match", "--budget", "1.5",
                   "--concurrency", "1", "--no-report")
    assert first.exit_code == 0, first.output
    (stopped,) = open_run_store().list_runs()
    assert stopped.status == "over_budget" and stopped.done == 2
    assert f"finish it with a larger one: medchat eval --resume {stopped.id} --budget USD" in first.flat

    resumed = invoke("eval", "--resume", stopped.id, "--budget", "10", "--concurrency", "3", "--no-report")
    assert resumed.exit_code == 0, resumed.output
    info = open_run_store().get_run(stopped.id)
    assert info.status == "completed" and info.done == 4  # the new budget was applied, not the stored one
    assert info.config["plan"]["budget_usd"] == 10 and info.config["plan"]["concurrency"] == 3  # and kept
