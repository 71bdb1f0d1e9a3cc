"""Battles in the database: an imported battle file, and the chat page's preferences read as human battles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from medchat.evaluation.arena import BattleError, read_battles
from medchat.evaluation.arena.stored import human_battles, import_file, stored_battles
from medchat.storage import Database
from medchat.storage.battles import BattleStore
from medchat.storage.preferences import PreferenceStore

DATA = Path(__file__).parents[3] / "data" / "eval" / "arena"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'medchat.db'}")
    database.migrate()
    yield database
    database.close()


def test_an_imported_file_reads_back_as_the_same_battles_and_a_reimport_adds_nothing(database: Database):
    store = BattleStore(database)
    first = import_file(store, DATA / "battles.jsonl")
    assert (first.added, first.already) == (48, 0) and first.run_id.startswith("import-")
    again = import_file(store, DATA / "battles.jsonl")
    assert (again.run_id, again.added, again.already) == (first.run_id, 0, 48)

    def fields(battles):
        return sorted((b.model_a, b.model_b, b.winner, b.judge, str(b.question_id), b.turn, b.length_a, b.length_b)
                      for b in battles)

    assert fields(stored_battles(store, [first.run_id])) == fields(read_battles(DATA / "battles.jsonl"))
    (run,) = store.list_runs()
    assert (run.kind, run.status, run.source, run.battles, len(run.models)) == ("import", "completed",
                                                                                "battles.jsonl", 48, 4)


def test_a_bad_file_stores_nothing(database: Database, tmp_path: Path):
    store = BattleStore(database)
    with pytest.raises(BattleError, match="bad_winner.jsonl:4: field 'winner'"):
        import_file(store, DATA / "bad_winner.jsonl")
    assert store.list_runs() == [] and list(store.iterate()) == []
    with pytest.raises(BattleError, match="no such file"):
        import_file(store, tmp_path / "nope.jsonl")


def test_battles_without_question_ids_are_keyed_by_line(database: Database, tmp_path: Path):
    path = tmp_path / "plain.jsonl"
    path.write_text('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n' * 2, encoding="utf-8")
    store = BattleStore(database)
    done = import_file(store, path)
    assert done.added == 2  # two verdicts on two unnamed questions, not one battle twice
    assert [b.question_id for b in stored_battles(store)] == ["line 1", "line 2"]


def test_the_chat_pages_preferences_are_human_battles(database: Database):
    times = iter(datetime(2026, 12, 6, 12, minute, tzinfo=UTC) for minute in range(10))
    preferences = PreferenceStore(database, clock=lambda: next(times))
    preferences.add("q1", "m/a", "long answer", "m/b", "short", "a")
    preferences.add("q2", "m/a", "x", "m/b", "y", "both_bad")
    battles = list(human_battles(database))
    assert [(b.winner, b.judge, b.length_a, b.length_b) for b in battles] == [
        ("model_a", "human", 11, 5), ("tie (bothbad)", "human", 1, 1)]
    assert {b.metadata["preference_id"] for b in battles} == {p.id for p in preferences.list()}
