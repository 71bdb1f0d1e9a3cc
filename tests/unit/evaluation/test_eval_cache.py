"""An evaluation's models and judges get the cache hooks the CLI's get: with ``[cache] mode = "semantic"`` a
paraphrased sample is answered from the cache; a sample that differs in a number is not. Other modes load no
embedder nor triage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import medchat.safety.cache_hooks
from medchat.config import Settings
from medchat.evaluation.evaluate import evaluate, open_run_store
from medchat.evaluation.plan import EvalPlan
from medchat.gateway.cache import ResponseCache
from medchat.gateway.cache_store import forget_backends
from medchat.models.registry import register_provider
from tests.scripted import ScriptedModel

BUILT: list[ScriptedModel] = []


@register_provider("evalcache", description="scripted answers for the eval cache tests", local=True)
def make(spec):
    spec.done()
    model = ScriptedModel(name=spec.name)
    BUILT.append(model)
    return model


@pytest.fixture(autouse=True)
def fresh_cache():
    BUILT.clear()
    forget_backends()
    yield
    forget_backends()


def samples(path: Path, questions: list[str]) -> Path:
    path.write_text("".join(json.dumps({"id": f"q{n}", "input": q, "target": ["ok"]}) + "\n"
                            for n, q in enumerate(questions)), encoding="utf-8")
    return path


def plan(path: Path) -> EvalPlan:
    return EvalPlan(sources=[str(path)], models=["evalcache/a"], scorers=["performance"], judge_scoring=False,
                    temperature=0, concurrency=1)


async def test_a_paraphrased_sample_is_served_from_the_semantic_cache_a_changed_number_is_not(tmp_path: Path):
    data = samples(tmp_path / "qa.jsonl", ["Can my son take ibuprofen for a fever?",
                                           "Can my son have ibuprofen for a fever?",  # a paraphrase (cosine 0.98)
                                           "Can my son take 400 mg of ibuprofen for a fever?"])
    settings = Settings(cache={"mode": "semantic"})
    store = open_run_store(settings)
    info = await evaluate(plan(data), settings=settings, store=store)

    [model] = BUILT
    assert [m.content for r in model.calls for m in r.messages[-1:]] == [
        "Can my son take ibuprofen for a fever?", "Can my son take 400 mg of ibuprofen for a fever?"]
    assert info.errors == 0 and len(store.results(info.id)) == 3


@pytest.mark.parametrize("mode", ["off", "exact"])
async def test_no_embedder_nor_triage_without_a_semantic_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               mode: str):
    def refused():
        raise AssertionError("semantic hooks built for a cache that needs none")

    monkeypatch.setattr(medchat.safety.cache_hooks, "semantic_hooks", refused)
    data = samples(tmp_path / "qa.jsonl", ["Can my son take ibuprofen?", "Can my son take ibuprofen?"])
    settings = Settings(cache={"mode": mode})
    info = await evaluate(plan(data), settings=settings, store=open_run_store(settings))
    assert info.errors == 0
    # exact: the same question under another sample id is the same request (only a replay model reads the id)
    assert len(BUILT[0].calls) == (1 if mode == "exact" else 2)


def test_only_a_replay_model_keys_the_sample_id():
    from medchat.gateway import get_model

    settings = Settings(cache={"mode": "exact"})
    scripted = get_model("evalcache/a", settings=settings)
    replay = get_model("replay/samples", settings=settings)
    assert isinstance(scripted, ResponseCache) and "sample_id" in scripted.unkeyed_metadata
    assert isinstance(replay, ResponseCache) and "sample_id" not in replay.unkeyed_metadata
