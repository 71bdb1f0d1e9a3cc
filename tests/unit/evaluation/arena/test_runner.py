"""The battle runner: every pair on every sample, asked in both orders, stored as judged, resumable, and reusing
stored answers instead of generating them again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from medchat.errors import ConfigError
from medchat.evaluation.arena import rate
from medchat.evaluation.arena.runner import ArenaPlan, run_arena
from medchat.evaluation.arena.stored import stored_battles
from medchat.evaluation.evaluate import evaluate
from medchat.evaluation.plan import EvalPlan
from medchat.evaluation.store import RunStore
from medchat.storage import Database
from medchat.storage.battles import BattleStore
from tests.unit.evaluation.arena.players import KilledJudge, Players, first_position, questions, rank
from tests.unit.evaluation.judges.rules import RuleJudge, between

MODELS = ["test/a", "test/b", "test/c"]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'medchat.db'}")
    database.migrate()
    yield database
    database.close()


@pytest.fixture
def stores(database: Database) -> dict[str, object]:
    return {"store": BattleStore(database), "run_store": RunStore(database)}


@pytest.fixture
def players(monkeypatch: pytest.MonkeyPatch) -> Players:
    return Players(monkeypatch)


def plan(tmp_path: Path, **fields) -> ArenaPlan:
    return ArenaPlan(**{"sources": [str(questions(tmp_path))], "models": MODELS, "judge": "test/judge",
                        "concurrency": 2, **fields})


async def test_every_pair_on_every_sample_is_asked_in_both_orders_and_the_swap_maps_back(tmp_path, stores, players):
    outcome = await run_arena(plan(tmp_path), **stores)

    assert (outcome.planned, outcome.asked, outcome.reused, outcome.failed) == (9, 9, 0, 0)
    assert outcome.run.status == "completed" and outcome.run.judge == "test/judge"
    assert outcome.run.prompt == "pairwise@1" and len(outcome.run.answers) == 1  # the answers' eval run
    battles = stores["store"].list(outcome.run.id)
    assert Counter((b.model_a, b.model_b) for b in battles) == {("test/a", "test/b"): 3, ("test/a", "test/c"): 3,
                                                                ("test/b", "test/c"): 3}
    assert {b.sample_id for b in battles} == {"qa/q0", "qa/q1", "qa/q2"}
    # the better model always wins, and the second order's verdict, mapped back, says the same
    assert all((b.winner, b.verdict_ab, b.verdict_ba, b.consistent) == ("model_a", "model_a", "model_a", True)
               for b in battles)
    assert all(b.length_a < b.length_b and b.judge == "test/judge" for b in battles)
    prompts = players.judge.prompts
    assert len(prompts) == 18  # two orders per battle
    orders = Counter((rank(between(p, "<reply_a>", "</reply_a>")), rank(between(p, "<reply_b>", "</reply_b>")))
                     for p in prompts)
    assert orders == {(1, 2): 3, (2, 1): 3, (1, 3): 3, (3, 1): 3, (2, 3): 3, (3, 2): 3}
    assert outcome.position_consistency == 1.0
    board = rate(stored_battles(stores["store"], [outcome.run.id]), rounds=0)
    assert [row.model for row in board.rows] == MODELS


async def test_an_order_flipping_judge_gives_inconsistent_ties_counted_as_ties(tmp_path, stores, players):
    players.judge = RuleJudge(first_position, name="test/judge")
    outcome = await run_arena(plan(tmp_path), **stores)

    battles = stores["store"].list(outcome.run.id)
    assert {(b.winner, b.consistent, b.verdict_ab, b.verdict_ba) for b in battles} == {
        ("tie", False, "model_a", "model_b")}
    assert (outcome.consistent, outcome.judged, outcome.position_consistency) == (0, 9, 0.0)
    board = rate(stored_battles(stores["store"], [outcome.run.id]), rounds=0)
    assert {round(row.rating) for row in board.rows} == {1000}  # all ties: nobody is better


async def test_a_killed_run_resumes_judging_only_the_missing_battles(tmp_path, stores, players):
    players.judge = KilledJudge(dies_at=6)  # calls 1-4 make two battles, call 5 is in flight, call 6 kills it
    with pytest.raises(RuntimeError, match="killed"):
        await run_arena(plan(tmp_path, concurrency=1), **stores)
    store: BattleStore = stores["store"]
    (run,) = store.list_runs()
    assert run.status == "failed" and run.battles == 2
    answering = len(players.answering())

    players.judge = RuleJudge(players.judge.rule, name="test/judge")
    outcome = await run_arena(resume=run.id, **stores)

    assert (outcome.asked, outcome.reused, outcome.run.battles, outcome.run.status) == (7, 2, 9, "completed")
    assert len(players.judge.prompts) == 14  # only the seven missing battles, both orders
    assert len(players.answering()) == answering  # the answers were stored: no model asked again
    keys = [b.key for b in store.list(run.id)]
    assert len(keys) == len(set(keys)) == 9
    again = await run_arena(resume=run.id, **stores)
    assert (again.asked, again.reused, len(players.judge.prompts)) == (0, 9, 14)


async def test_from_runs_reuses_stored_answers_and_generates_nothing(tmp_path, stores, players):
    data = questions(tmp_path)
    answered = await evaluate(EvalPlan(sources=[str(data)], models=MODELS, scorers=["performance"],
                                       judge_scoring=False), store=stores["run_store"])
    players.built.clear()

    outcome = await run_arena(ArenaPlan(models=MODELS, judge="test/judge", from_runs=[answered.id[:12]]), **stores)

    assert players.answering() == []  # no answering model was even built
    assert outcome.run.answers == [answered.id] and outcome.asked == 9
    # with the suite named too, only a model the stored run lacks is asked, in an eval run of its own
    answered_ab = await evaluate(EvalPlan(sources=[str(data)], models=MODELS[:2], scorers=["performance"],
                                          judge_scoring=False), store=stores["run_store"])
    players.built.clear()
    outcome = await run_arena(ArenaPlan(sources=[str(data)], models=MODELS, judge="test/judge",
                                        from_runs=[answered_ab.id]), **stores)
    assert [m.name for m in players.answering()] == ["test/c"] and len(players.answering()[0].prompts) == 3
    assert outcome.asked == 9 and len(outcome.run.answers) == 2


async def test_a_sample_a_model_failed_is_skipped_for_its_pairs_and_counted(tmp_path, stores, players):
    broken = RuleJudge(lambda prompt: (_ for _ in ()).throw(RuntimeError("boom")) if "question 1" in prompt
                       else "rank 3", name="test/c")
    players.overrides["test/c"] = broken
    outcome = await run_arena(plan(tmp_path), **stores)

    assert outcome.skipped == {"test/c": 2} and (outcome.planned, outcome.asked) == (7, 7)
    assert outcome.run.status == "completed"


async def test_bad_plans_are_one_line_errors(tmp_path, stores, players):
    with pytest.raises(ConfigError, match="at least two models"):
        await run_arena(plan(tmp_path, models=["test/a", "test/a"]), **stores)
    with pytest.raises(ConfigError, match="no suite or file named 'nope.jsonl'"):
        await run_arena(plan(tmp_path, sources=["nope.jsonl"]), **stores)
    assert stores["store"].list_runs() == []  # nothing stored for a plan that cannot run
    answered = await evaluate(EvalPlan(sources=[str(questions(tmp_path))], models=MODELS[:2], scorers=["performance"],
                                       judge_scoring=False), store=stores["run_store"])
    with pytest.raises(ConfigError, match="no stored answers of test/c in run"):
        await run_arena(ArenaPlan(models=MODELS, judge="test/judge", from_runs=[answered.id]), **stores)
    assert stores["store"].list_runs() == []


async def test_an_aliased_model_is_paired_under_the_name_its_answers_are_stored_under(tmp_path, stores, players):
    players.aliases["fast"] = "test/a"
    outcome = await run_arena(plan(tmp_path, models=["fast", "test/b"]), **stores)
    assert outcome.run.models == ["test/a", "test/b"] and (outcome.asked, outcome.skipped) == (3, {})
    answered = stores["run_store"].get_run(outcome.run.answers[0])
    players.built.clear()
    again = await run_arena(ArenaPlan(models=["fast", "test/b"], judge="test/judge", from_runs=[answered.id]),
                            **stores)
    assert again.asked == 3 and players.answering() == []
    assert {(b.model_a, b.model_b) for b in stores["store"].list(again.run.id)} == {("test/a", "test/b")}
