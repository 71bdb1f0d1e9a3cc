"""The default job without an untrusted default judge: judge-based scoring left out, the rubric-only suite
not run and said so, and a judge that is named (or trusted) used as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medchat.evaluation import plan as plan_module
from medchat.evaluation.judges import trust
from medchat.evaluation.output import Output
from medchat.evaluation.plan import DEFAULT_JUDGE, EvalPlan, build_tasks, needs_judge, without_weak_judge
from medchat.evaluation.sample import Dataset, RubricItem, Sample
from medchat.evaluation.suites import DEFAULT_SUITES, SUITES
from tests.scripted import ScriptedModel


def default_job(**options: Any) -> EvalPlan:
    """The plan ``medchat eval`` builds with no arguments (before gating)."""
    return EvalPlan(sources=list(DEFAULT_SUITES), models=["builtin/smollm2", "builtin/extractive"],
                    limits={s: SUITES[s].default_limit for s in DEFAULT_SUITES if SUITES[s].default_limit},
                    **options)


def test_the_default_job_leaves_the_untrusted_default_judge_out() -> None:
    plan = without_weak_judge(default_job())
    assert not plan.judge_scoring and plan.judge is None
    assert plan.sources == ["medical-qa", "safety", "mcq"]
    assert "conversations" not in plan.limits
    why = plan.left_out["conversations"]
    assert "rubric needs a judge" in why and DEFAULT_JUDGE in why and "judge too small to discriminate" in why
    assert "--judge" in why
    tasks = build_tasks(plan)  # no judge at all, and no scorer asks for one
    assert [t.name for t in tasks] == ["medical-qa", "safety", "mcq"]
    assert not needs_judge(tasks)
    # every task still has a quality metric besides performance
    assert all([s.name for s in t.scorers if s.name != "performance"] for t in tasks)


@pytest.mark.parametrize("options", [{"judge": "builtin/smollm2"}, {"judge": "openai/gpt-4o-mini"},
                                     {"scorers": ["rubric", "performance"]}])
def test_a_judge_or_scorers_asked_for_are_used_as_asked(options: dict[str, Any]) -> None:
    plan = default_job(**options)
    assert without_weak_judge(plan) == plan


def test_a_trusted_default_judge_is_not_held_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trust, "UNTRUSTED_JUDGES", {})
    plan = default_job()
    assert without_weak_judge(plan) == plan


async def test_without_judge_scoring_the_rubric_is_dropped_and_faithfulness_goes_lexical(
        monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = Dataset(name="grounded", samples=[Sample(id="1", input="q", target=["a"], context=["c"],
                                                       rubric=[RubricItem(criterion="c", points=1)])])
    monkeypatch.setattr(plan_module, "load_source", lambda source, plan: (dataset, "direct",
                                                                          ("f1", "rubric", "faithfulness")))
    judge = ScriptedModel()
    (judged,) = build_tasks(EvalPlan(sources=["x"], models=["m"]), judge=judge)
    assert [s.name for s in judged.scorers] == ["f1", "rubric", "faithfulness"]
    (plain,) = build_tasks(EvalPlan(sources=["x"], models=["m"], judge_scoring=False), judge=judge)
    assert [s.name for s in plain.scorers] == ["f1", "faithfulness"]
    output = Output(text="Oral rehydration salts replace lost water and salts.", model="m")
    sample = Sample(id="2", input="q", target=["a"], context=["Oral rehydration salts replace lost water and salts."])
    score = await plain.scorers[1](sample, output)
    assert score.metadata["method"] == "lexical" and score.value == 1.0
    assert judge.calls == []  # the judge handed to build_tasks was never asked


async def test_evaluate_builds_no_judge_when_judge_scoring_is_off(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import medchat.gateway
    from medchat.config import Settings
    from medchat.evaluation.evaluate import evaluate
    from medchat.evaluation.store import RunStore
    from medchat.storage.db import Database

    asked: list[str] = []

    def fake_get_model(name: str, **_: Any) -> ScriptedModel:
        asked.append(name)
        return ScriptedModel(name=name)

    monkeypatch.setattr(medchat.gateway, "get_model", fake_get_model)
    database = Database(f"sqlite:///{tmp_path / 'runs.db'}")
    database.migrate()
    store = RunStore(database)
    plan = without_weak_judge(EvalPlan(sources=["mcq", "conversations"], models=["test/a"], limits={"mcq": 1}))
    info = await evaluate(plan, settings=Settings(data_dir=tmp_path), store=store)
    assert asked == ["test/a"]  # the model, and no judge
    assert info.tasks == ["mcq"] and info.status == "completed"
    stored = store.get_run(info.id).config["plan"]
    assert stored["judge"] is None and stored["judge_scoring"] is False and "conversations" in stored["left_out"]
