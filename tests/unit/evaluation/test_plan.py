"""From a plan to tasks: suites and files, default solvers and scorers, limits, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medchat.errors import ConfigError
from medchat.evaluation.plan import EvalPlan, build_tasks, infer_scorers, infer_solver, needs_judge
from medchat.evaluation.sample import Dataset, RubricItem, Sample
from medchat.evaluation.suites import DEFAULT_SUITES, SUITES, get_suite
from tests.scripted import ScriptedModel


def test_every_bundled_suite_builds_with_its_own_solver_scorers_and_default_limit():
    plan = EvalPlan(sources=list(DEFAULT_SUITES), models=["m"],
                    limits={name: SUITES[name].default_limit for name in DEFAULT_SUITES})
    tasks = build_tasks(plan, judge=ScriptedModel())
    assert [t.name for t in tasks] == list(DEFAULT_SUITES)
    for task in tasks:
        suite = get_suite(task.name)
        assert task.solver == suite.solver
        assert [s.name for s in task.scorers] == list(suite.scorers)
        assert len(task.dataset) == suite.default_limit
        assert task.params.max_tokens == 160
    assert needs_judge(tasks)
    # the default job's sample of each suite covers both languages
    for task in tasks:
        languages = {s.metadata.get("language") for s in task.dataset} | {
            t.split(":")[1] for s in task.dataset for t in s.tags if t.startswith("language:")}
        assert {"en", "zh"} <= languages, task.name


def test_a_seeded_limit_picks_a_reproducible_random_subset():
    first = build_tasks(EvalPlan(sources=["mcq"], models=["m"], limit=5, seed=7))[0].dataset
    again = build_tasks(EvalPlan(sources=["mcq"], models=["m"], limit=5, seed=7))[0].dataset
    other = build_tasks(EvalPlan(sources=["mcq"], models=["m"], limit=5, seed=8))[0].dataset
    assert [s.id for s in first] == [s.id for s in again] != [s.id for s in other]
    assert build_tasks(EvalPlan(sources=["mcq"], models=["m"], limit=5, seed=7))[0].params.seed == 7


def test_files_get_a_solver_and_scorers_from_what_their_samples_carry(tmp_path: Path):
    qa = Dataset(name="qa", samples=[Sample(id="1", input="q", target="a")])
    mc = Dataset(name="mc", samples=[Sample(id="1", input="q", choices=["x", "y"], target="A")])
    pubmed = Dataset(name="p", samples=[Sample(id="1", input="q", choices=["yes", "no", "maybe"], target="yes",
                                               context=["c"])])
    rubric = Dataset(name="r", samples=[Sample(id="1", input="q", rubric=[RubricItem(criterion="c", points=1)])])
    safety = Dataset(name="s", samples=[Sample(id="1", input="q", metadata={"expect": "answer"})])
    grounded = Dataset(name="g", samples=[Sample(id="1", input="q", target="a", context=["c"])])
    assert infer_solver(mc) == "mcq" and infer_solver(qa) == "direct"
    assert infer_scorers(qa) == ("f1", "rouge", "chrf", "embedding_similarity", "performance")
    assert infer_scorers(mc) == ("choice", "performance")
    assert infer_scorers(pubmed) == ("pubmedqa", "performance")
    assert infer_scorers(rubric) == ("rubric", "performance")
    assert infer_scorers(safety)[:4] == ("escalation", "declined_harmful", "not_refused", "no_pii_echo")
    assert "faithfulness" in infer_scorers(grounded)

    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"id": "1", "question": "What is a fever?", "answer": "A high temperature"}) + "\n")
    (task,) = build_tasks(EvalPlan(sources=[str(path)], models=["m"], scorers=["exact_match"]))
    assert task.name == "mine" and [s.name for s in task.scorers] == ["exact_match"]
    assert task.dataset[0].target == ["A high temperature"]


@pytest.mark.parametrize(("plan", "message"), [
    (EvalPlan(sources=["no-such-suite"], models=["m"]), "no suite or file named 'no-such-suite'"),
    (EvalPlan(sources=["mcq"], models=["m"], solver="magic"), "unknown solver 'magic'"),
    (EvalPlan(sources=["mcq"], models=["m"], scorers=["magic"]), "unknown scorer 'magic'"),
    (EvalPlan(sources=["mcq", "mcq"], models=["m"]), "same dataset name"),
])
def test_bad_plans_fail_before_anything_runs(plan: EvalPlan, message: str):
    with pytest.raises(ConfigError, match=message):
        build_tasks(plan, judge=ScriptedModel())


def test_skipped_records_are_announced_once_per_file_and_strict_is_kept_for_resume(tmp_path: Path):
    from medchat.evaluation.loaders import DatasetError

    path = tmp_path / "exam.jsonl"
    path.write_text('{"question": "Which organ makes insulin?", "answer": "The pancreas"}\n{"answer": "x"}\n'
                    '{"question": "Which organ makes bile?", "answer": "The liver"}\n', encoding="utf-8")
    notices: list[str] = []
    plan = EvalPlan(sources=[str(path)], models=["m"], scorers=["exact_match"], limit=1)
    (task,) = build_tasks(plan, on_notice=notices.append)
    assert len(task.dataset) == 1
    assert notices == [f"{path}: 2 loaded, 1 skipped (line 2: missing the question: no field named question, "
                       "input, prompt, query, messages)"]  # counted before --limit

    strict = plan.model_copy(update={"strict": True})
    assert EvalPlan.model_validate(strict.model_dump(mode="json")).strict  # what --resume rebuilds from
    assert EvalPlan.model_validate({"sources": [str(path)], "models": ["m"]}).strict is False  # older runs
    with pytest.raises(DatasetError, match="line 2: missing the question"):
        build_tasks(strict)
