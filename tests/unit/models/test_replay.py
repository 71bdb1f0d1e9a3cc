"""replay/<FILE>: answers recorded elsewhere, looked up by the sample id the solver sends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medchat.errors import ConfigError, MedchatError
from medchat.gateway import get_model
from medchat.types import ChatRequest, Message


def request(sample_id: str | None, **metadata: str) -> ChatRequest:
    if sample_id is not None:
        metadata["sample_id"] = sample_id
    return ChatRequest(messages=[Message.user("q")], metadata=metadata)


def write(path: Path, *records: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


async def test_answers_each_sample_from_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "answers.jsonl", {"id": "q1", "output": "Rest and fluids."}, {"id": 2, "output": "Yes."})
    model = get_model(f"replay/{path}", reliable=False)
    first = await model.complete(request("q1"))
    assert first.text == "Rest and fluids." and first.cost_usd == 0.0 and first.model == f"replay/{path}"
    assert (await model.complete(request("2"))).text == "Yes."
    with pytest.raises(MedchatError, match="no recorded answer for sample 'q3'"):
        await model.complete(request("q3"))
    with pytest.raises(MedchatError, match="evaluation samples only"):
        await model.complete(request(None))


async def test_replay_samples_answers_with_the_output_the_sample_carries() -> None:
    model = get_model("replay/samples", reliable=False)
    assert (await model.complete(request("a", recorded_output="logged answer"))).text == "logged answer"
    with pytest.raises(MedchatError, match="carries no output"):
        await model.complete(request("a"))


@pytest.mark.parametrize(("lines", "message"), [
    (['{"id": "a", "output": "x"}', "{broken"], "line 2: invalid JSON"),
    (['{"id": "a"}'], "line 1: needs the fields 'id' and 'output'"),
    (['{"id": "a", "output": 3}'], "line 1: field 'output' must be a string"),
    (['{"id": "a", "output": "x"}', '{"id": "a", "output": "y"}'], "line 2: sample id 'a' appears twice"),
    ([""], "has no answers"),
])
def test_bad_files_name_the_line_and_the_problem(tmp_path: Path, lines: list[str], message: str) -> None:
    path = write(tmp_path / "bad.jsonl", *lines)
    with pytest.raises(ConfigError, match=message):
        get_model(f"replay/{path}")


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        get_model(f"replay/{tmp_path / 'nope.jsonl'}")
