"""The battle format: reading (streaming, errors that point at file:line), writing, and stored preferences."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from medchat.evaluation.arena import Battle, BattleError, from_preference, read_battles, write_battles
from medchat.storage.preferences import Preference

DATA = Path(__file__).parents[3] / "data" / "eval" / "arena"


def test_reads_the_public_format_and_ignores_extra_fields(tmp_path):
    path = tmp_path / "public.jsonl"
    path.write_text('{"model_a": "a", "model_b": "b", "winner": "tie (bothbad)", "tstamp": 1.5, '
                    '"conversation_a": [], "question_id": 81, "turn": 2, "judge": "expert_1"}\n\n')
    (battle,) = read_battles(path)
    assert battle == Battle(model_a="a", model_b="b", winner="tie (bothbad)", question_id=81, turn=2,
                            judge="expert_1")


def test_reading_is_lazy_so_a_bad_line_late_in_a_file_surfaces_only_when_reached():
    reader = read_battles(DATA / "bad_winner.jsonl")
    assert next(reader).winner == "model_a"
    assert next(reader).winner == "model_b"
    with pytest.raises(BattleError) as caught:
        next(reader)
    message = str(caught.value)
    assert message.startswith(f"{DATA / 'bad_winner.jsonl'}:4: field 'winner' is 'A', not one of model_a")
    assert "\n" not in message and caught.value.line == 4 and caught.value.field == "winner"


@pytest.mark.parametrize(("text", "expected"), [
    ("not json\n", ":1: not valid JSON"),
    ("[1, 2]\n", ":1: a JSON list, not an object"),
    ('{"model_a": "a", "winner": "tie"}\n', ":1: field 'model_b' is missing"),
    ('{"model_a": "a", "model_b": "a", "winner": "tie"}\n', ":1: model_a and model_b are both 'a'"),
    ('{"model_a": "a", "model_b": "b", "winner": "tie", "length_a": -3}\n', ":1: field 'length_a' is -3"),
])
def test_bad_lines_name_the_file_line_and_field(tmp_path, text, expected):
    path = tmp_path / "battles.jsonl"
    path.write_text(text)
    with pytest.raises(BattleError, match="^" + str(path).replace(".", r"\.") + expected):
        list(read_battles(path))


def test_missing_file_and_non_utf8_are_one_line_errors(tmp_path):
    with pytest.raises(BattleError, match="nope.jsonl: no such file"):
        list(read_battles(tmp_path / "nope.jsonl"))
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"model_a": "a", "model_b": "b", "winner": "tie"}\n{"model_a": "caf\xe9"}\n')
    with pytest.raises(BattleError, match=r"latin1\.jsonl:2: is not UTF-8 text"):
        list(read_battles(path))


def test_write_then_read_round_trips(tmp_path):
    battles = list(read_battles(DATA / "battles.jsonl"))
    path = tmp_path / "out.jsonl"
    assert write_battles(battles, path) == 48
    assert list(read_battles(path)) == battles
    assert '"metadata"' not in path.read_text()  # unset fields are left out


@pytest.mark.parametrize(("verdict", "winner"), [("a", "model_a"), ("b", "model_b"), ("tie", "tie"),
                                                 ("both_bad", "tie (bothbad)")])
def test_preferences_become_battles_with_public_names_and_lengths(verdict, winner):
    preference = Preference(id="p1", created_at=datetime(2026, 12, 6, tzinfo=UTC), question="Is a fever bad?",
                            language="en", model_a="m1", answer_a="Often not.", model_b="m2",
                            answer_b="A fever is usually the body fighting an infection.", winner=verdict)
    battle = from_preference(preference)
    assert (battle.model_a, battle.model_b, battle.winner) == ("m1", "m2", winner)
    assert (battle.length_a, battle.length_b) == (10, 50)
    assert battle.metadata["preference_id"] == "p1" and battle.judge == "human"
