"""The runner: every result stored once, errors kept, resume skips what is done, limits respected."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from medchat.config import Price
from medchat.errors import RateLimitError
from medchat.evaluation.output import Output
from medchat.evaluation.runner import Runner, RunProgress, count_planned
from medchat.evaluation.sample import Dataset, Sample
from medchat.evaluation.score import NamedScorer, Score
from medchat.evaluation.store import RunStore
from medchat.evaluation.task import Task
from medchat.storage.db import Database
from medchat.types import ChatRequest, Chunk, Usage
from tests.scripted import ScriptedModel


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    database = Database(f"sqlite:///{tmp_path / 'runs.db'}")
    database.migrate()
    return RunStore(database)


async def contains_target(sample: Sample, output: Output) -> Score:
    return Score(value=float(any(t in output.text for t in sample.target)), answer=output.text.strip())


def task(n: int = 4, name: str = "qa", scorers: list[NamedScorer] | None = None) -> Task:
    samples = [Sample(id=f"s{i}", input=f"question {i}", target=[f"answer{i}"], tags=["t"]) for i in range(n)]
    return Task(name=name, dataset=Dataset(name=name, samples=samples),
                scorers=scorers or [NamedScorer("contains", contains_target)])


def start(store: RunStore, tasks: list[Task], models: list[Any], epochs: int = 1) -> Any:
    return store.create_run(tasks=[t.name for t in tasks], models=[m.name for m in models], config={},
                            planned=count_planned(tasks, models, epochs))


class Echo(ScriptedModel):
    """Answers each question with the answer its number asks for."""

    def __init__(self, name: str = "test/echo", wrong: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.wrong = wrong or set()

    async def _stream(self, request: ChatRequest):  # type: ignore[override]
        self.calls.append(request)
        number = request.messages[-1].content.split()[-1]
        yield Chunk(text="nope" if f"s{number}" in self.wrong else f"answer{number}")
        yield Chunk(final=True, finish_reason="stop", usage=self.usage)


async def test_every_sample_of_every_model_is_scored_and_stored(store: RunStore) -> None:
    tasks, models = [task(3)], [Echo("test/a"), Echo("test/b", wrong={"s1"})]
    seen: list[str] = []
    info = await Runner(store, progress=RunProgress(on_result=lambda r: seen.append(r.sample_id))).run(
        start(store, tasks, models), tasks, models)
    assert info.status == "completed"
    assert info.done == info.planned == 6
    results = store.results(info.id)
    assert sorted((r.model, r.sample_id) for r in results) == sorted(
        (m, f"s{i}") for m in ("test/a", "test/b") for i in range(3))
    by_key = {(r.model, r.sample_id): r for r in results}
    assert by_key[("test/a", "s1")].scores["contains"].value == 1.0
    assert by_key[("test/b", "s1")].scores["contains"].value == 0.0
    assert by_key[("test/b", "s1")].metrics() == {"contains": 0.0}
    transcript = by_key[("test/a", "s2")].output
    assert transcript is not None and [m.role for m in transcript.messages] == ["user", "assistant"]
    assert transcript.timing.total_s > 0
    assert len(seen) == 6


async def test_a_failed_answer_is_stored_as_an_error_and_the_run_goes_on(store: RunStore) -> None:
    model = ScriptedModel("answer0", RateLimitError("slow down", model="test/scripted"), "answer2")
    tasks = [task(3)]
    info = await Runner(store, concurrency=1).run(start(store, tasks, [model]), tasks, [model])
    assert info.status == "completed" and info.errors == 1 and info.done == 3
    failed = [r for r in store.results(info.id) if r.error]
    assert len(failed) == 1 and "slow down" in failed[0].error and failed[0].scores == {}


async def test_a_broken_scorer_loses_neither_the_answer_nor_the_other_scores(store: RunStore) -> None:
    async def broken(sample: Sample, output: Output) -> Score:
        raise ValueError("bad regex")

    tasks = [task(1, scorers=[NamedScorer("broken", broken), NamedScorer("contains", contains_target)])]
    model = Echo()
    info = await Runner(store).run(start(store, tasks, [model]), tasks, [model])
    (result,) = store.results(info.id)
    assert result.output is not None and result.output.text == "answer0"
    assert result.scores["broken"].value is None and "bad regex" in result.scores["broken"].explanation
    assert result.scores["contains"].value == 1.0


async def test_resume_asks_only_for_what_is_missing(store: RunStore) -> None:
    tasks = [task(5)]
    first = Echo()
    run = start(store, tasks, [first])
    runner = Runner(store, concurrency=1)
    runner._run_id = run.id
    for sample in list(tasks[0].dataset)[:2]:  # as if the run had been killed after two results
        from medchat.evaluation.runner import WorkItem

        assert store.add_result(await runner._one(first, WorkItem(tasks[0], sample, 0)))
    second = Echo()
    info = await Runner(store).run(store.get_run(run.id), tasks, [second])
    asked = sorted(c.messages[-1].content for c in second.calls)
    assert asked == ["question 2", "question 3", "question 4"]
    assert info.done == 5 and sorted(r.sample_id for r in store.results(run.id)) == [f"s{i}" for i in range(5)]


async def test_a_result_cannot_be_stored_twice(store: RunStore) -> None:
    tasks = [task(1)]
    model = Echo()
    info = await Runner(store).run(start(store, tasks, [model]), tasks, [model])
    (result,) = store.results(info.id)
    assert store.add_result(result) is False
    assert len(store.results(info.id)) == 1


async def test_concurrency_per_model_is_bounded_and_used(store: RunStore) -> None:
    class Gated(Echo):
        """Holds every call until `limit` are in flight at once (proves the runner reaches the bound)."""

        def __init__(self, limit: int) -> None:
            super().__init__()
            self.limit, self.full, self.in_flight, self.max_in_flight = limit, asyncio.Event(), 0, 0

        async def _stream(self, request: ChatRequest):  # type: ignore[override]
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.in_flight >= self.limit:
                self.full.set()
            await self.full.wait()
            self.in_flight -= 1
            async for chunk in super()._stream(request):
                yield chunk

    tasks, model = [task(12)], Gated(3)
    info = await Runner(store, concurrency=3).run(start(store, tasks, [model]), tasks, [model])
    assert info.done == 12 and model.max_in_flight == 3


async def test_epochs_ask_each_sample_again_with_its_own_seed(store: RunStore) -> None:
    tasks, model = [task(2)], Echo()
    info = await Runner(store, epochs=3, seed=10).run(start(store, tasks, [model], epochs=3), tasks, [model])
    assert info.done == info.planned == 6
    assert sorted({c.params.seed for c in model.calls}) == [10, 11, 12]
    assert sorted((r.sample_id, r.epoch) for r in store.results(info.id)) == [
        (f"s{i}", e) for i in range(2) for e in range(3)]


async def test_the_cost_budget_stops_new_samples(store: RunStore) -> None:
    # each answer costs 1,000,000 completion tokens at $1 per million = $1
    model = Echo(usage=Usage(prompt_tokens=0, completion_tokens=1_000_000), price=Price(input=0.0, output=1.0))
    tasks = [task(6)]
    info = await Runner(store, concurrency=1, budget_usd=2.5).run(start(store, tasks, [model]), tasks, [model])
    assert info.status == "over_budget"
    assert info.done == 3 and info.cost_usd == pytest.approx(3.0)


def test_run_ids_resolve_from_a_prefix_or_latest(store: RunStore) -> None:
    a = store.create_run(tasks=["t"], models=["m"], config={}, planned=1, run_id="20260101-000000-aaaa")
    b = store.create_run(tasks=["t"], models=["m"], config={}, planned=1, run_id="20260102-000000-bbbb")
    assert store.resolve_id("20260101") == a.id
    assert store.resolve_id("latest") == b.id
    from medchat.storage.db import NotFoundError

    with pytest.raises(NotFoundError, match="ambiguous"):
        store.resolve_id("2026010")
    with pytest.raises(NotFoundError, match="not found"):
        store.resolve_id("1999")
    assert [r.id for r in store.list_runs()] == [b.id, a.id]
    store.delete_run(a.id)
    assert [r.id for r in store.list_runs()] == [b.id]


async def test_resume_asks_the_errored_samples_again_and_stores_each_sample_once(store: RunStore) -> None:
    tasks = [task(4)]
    flaky = ScriptedModel("answer0", RateLimitError("slow down", model="test/scripted"), "answer2",
                          RateLimitError("slow down", model="test/scripted"))
    first = await Runner(store, concurrency=1).run(start(store, tasks, [flaky]), tasks, [flaky])
    assert first.status == "completed" and first.errors == 2 and first.done == 4

    second = Echo(name="test/scripted")  # the same model name, answering now
    info = await Runner(store).run(store.get_run(first.id), tasks, [second])
    assert sorted(c.messages[-1].content for c in second.calls) == ["question 1", "question 3"]  # only the errors
    assert info.errors == 0 and info.done == 4
    results = store.results(first.id)
    assert sorted(r.sample_id for r in results) == ["s0", "s1", "s2", "s3"]  # replaced, not added
    assert all(r.error is None for r in results)


async def test_only_the_errored_samples_are_retried_and_missing_ones_leave_the_run_incomplete(
        store: RunStore) -> None:
    tasks = [task(4)]
    model = ScriptedModel("answer0", RateLimitError("slow down", model="test/scripted"))
    run = start(store, tasks, [model])
    runner = Runner(store, concurrency=1)
    runner._run_id = run.id
    from medchat.evaluation.runner import WorkItem

    for sample in list(tasks[0].dataset)[:2]:  # killed after two results, one of them an error
        assert store.add_result(await runner._one(model, WorkItem(tasks[0], sample, 0)))
    assert store.error_keys(run.id) == {("qa", "test/scripted", "s1", 0)}

    again = Echo(name="test/scripted")
    info = await Runner(store).run(store.get_run(run.id), tasks, [again], only=store.error_keys(run.id))
    assert [c.messages[-1].content for c in again.calls] == ["question 1"]
    assert info.errors == 0 and info.done == 2
    assert info.status == "incomplete"  # s2 and s3 were never asked: --resume finishes them
    assert store.get_run(run.id).status == "incomplete"  # not "interrupted": its process ended as it should

    done = await Runner(store).run(store.get_run(run.id), tasks, [again])
    assert done.status == "completed" and done.done == 4


async def test_a_running_run_renews_its_heartbeat(store: RunStore) -> None:
    beats: list[float] = []
    beaten = asyncio.Event()

    async def sleep(seconds: float) -> None:
        beats.append(seconds)
        if len(beats) > 1:  # the first beat was written: hold the loop here until the run ends
            beaten.set()
            await asyncio.Event().wait()

    class WaitsForABeat(Echo):
        async def _stream(self, request: ChatRequest):  # type: ignore[override]
            await beaten.wait()
            async for chunk in super()._stream(request):
                yield chunk

    tasks, model = [task(1)], WaitsForABeat()
    run = start(store, tasks, [model])
    with store.database.transaction() as session:  # as if the last beat was long ago
        from medchat.storage.schema import EvalRunRow

        session.get(EvalRunRow, run.id).heartbeat_at = run.created_at.replace(year=2000)
    info = await Runner(store, heartbeat_s=7.0, sleep=sleep).run(run, tasks, [model])
    assert beats[:2] == [7.0, 7.0]
    assert info.heartbeat_at is not None and info.heartbeat_at.year > 2000
    assert info.status == "completed"


async def test_an_error_is_stored_with_whether_another_try_may_answer(store: RunStore) -> None:
    from medchat.errors import AuthenticationError

    tasks = [task(3)]
    model = ScriptedModel(RateLimitError("slow down", model="test/scripted"),
                          AuthenticationError("authentication failed (401)", model="test/scripted"),
                          KeyError("a provider bug\nover two lines"))
    info = await Runner(store, concurrency=1).run(start(store, tasks, [model]), tasks, [model])
    stored = {r.sample_id: r for r in store.results(info.id)}
    assert stored["s0"].error_retryable is True  # temporary: --retry-errors may get an answer
    assert stored["s1"].error_retryable is False  # fails the same until the key is fixed
    assert stored["s2"].error_retryable is False and "\n" not in (stored["s2"].error or "")


async def test_a_stored_result_says_when_a_fallback_answered(store: RunStore) -> None:
    from medchat.errors import ModelUnavailableError
    from medchat.gateway.fallback import Fallback

    asked = Fallback(ScriptedModel(ModelUnavailableError("503", status=503), name="test/asked"),
                     fallbacks=[Echo("test/backup")])
    tasks, models = [task(2)], [asked, Echo("test/plain")]
    info = await Runner(store).run(start(store, tasks, models), tasks, models)
    by_key = {(r.model, r.sample_id): r for r in store.results(info.id)}
    marks = [by_key[(model, f"s{i}")].output.fallback for model in ("test/asked", "test/plain") for i in range(2)]
    # the script's one failure: one answer of the model asked came from its fallback, and says so
    assert [mark for mark in marks if mark] == [{"from": "test/asked", "to": "test/backup", "reason": "unavailable"}]
