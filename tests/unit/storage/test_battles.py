"""Stored battles: each (run, sample, turn, pair, judge, prompt) once, read back in order, runs found by prefix."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from medchat.storage import Database, NotFoundError
from medchat.storage.battles import BattleStore, StoredBattle


def battle(run_id: str, sample: str = "qa/q1", **fields) -> StoredBattle:
    values = {"model_a": "m/a", "model_b": "m/b", "winner": "model_a", "judge": "j/x", "prompt": "pairwise@1",
              "consistent": True, "verdict_ab": "model_a", "verdict_ba": "model_a", "length_a": 10, "length_b": 4}
    return StoredBattle(run_id=run_id, sample_id=sample, **{**values, **fields})


def test_a_battle_is_stored_once_and_the_database_enforces_it(database: Database, clock):
    store = BattleStore(database, clock=clock)
    run = store.create_run(judge="j/x", models=["m/a", "m/b"], run_id="arena-1")
    assert store.add(battle(run.id))
    assert not store.add(battle(run.id, winner="model_b"))  # the same battle judged again: the first one stays
    assert store.add(battle(run.id, prompt="pairwise@2"))  # another judge prompt is another battle
    assert store.add(battle(run.id, sample="qa/q2"))
    assert [(b.sample_id, b.prompt, b.winner) for b in store.list(run.id)] == [
        ("qa/q1", "pairwise@1", "model_a"), ("qa/q1", "pairwise@2", "model_a"), ("qa/q2", "pairwise@1", "model_a")]
    assert store.get_run("arena").battles == 3
    with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:  # not only the store's check
        connection.exec_driver_sql(
            "INSERT INTO battles (run_id, sample_id, turn, model_a, model_b, winner, judge, prompt, created_at, meta) "
            "VALUES ('arena-1', 'qa/q2', 1, 'm/a', 'm/b', 'tie', 'j/x', 'pairwise@1', '2025-01-01 00:00:00', '{}')")


def test_add_many_stores_what_is_new_and_counts_the_rest(database: Database):
    store = BattleStore(database)
    run = store.create_run(kind="import", run_id="import-abc")
    store.add(battle(run.id, sample="s2"))
    added, already = store.add_many([battle(run.id, sample=f"s{i}") for i in range(5)], batch=2)
    assert (added, already) == (4, 1)
    assert sorted(b.sample_id for b in store.list(run.id)) == [f"s{i}" for i in range(5)]
    assert len(list(store.iterate(batch=2))) == 5  # paged reads see every row once


def test_public_form_and_keys(database: Database):
    store = BattleStore(database)
    run = store.create_run(run_id="arena-2")
    store.add(battle(run.id, metadata={"attempts": 2}))
    (stored,) = store.list(run.id)
    assert store.keys(run.id) == {stored.key}
    public = stored.public()
    assert public["question_id"] == "qa/q1" and public["judge"] == "j/x" and public["turn"] == 1
    assert public["metadata"] == {"attempts": 2, "prompt": "pairwise@1", "consistent": True,
                                  "verdict_ab": "model_a", "verdict_ba": "model_a", "run_id": "arena-2"}


def test_runs_by_prefix_latest_and_a_clear_error(database: Database, clock):
    store = BattleStore(database, clock=clock)
    store.create_run(run_id="arena-20261206-1")
    store.create_run(run_id="arena-20261206-2")
    assert store.get_run("latest").id == "arena-20261206-2"
    assert store.get_run("arena-20261206-1").id == "arena-20261206-1"
    with pytest.raises(NotFoundError, match="ambiguous"):
        store.get_run("arena-2026")
    with pytest.raises(NotFoundError, match="arena run 'nope' not found"):
        store.get_run("nope")
    store.update_run("arena-20261206-1", status="completed", planned=4)
    assert [(r.id, r.status) for r in store.list_runs()] == [("arena-20261206-2", "running"),
                                                            ("arena-20261206-1", "completed")]
