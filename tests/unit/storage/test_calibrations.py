"""Stored judge calibrations: one per (judge, prompt, labels digest, format), verdicts kept once per repeat."""

from medchat.storage import Database
from medchat.storage.calibrations import CalibrationStore


def test_a_calibration_replaces_the_one_with_the_same_key_and_latest_is_the_newest(database: Database, clock):
    store = CalibrationStore(database, clock=clock)
    common = {"judge": "openai/gpt-4o-mini", "prompt": "rubric@1", "format": "rubric", "dataset": "hb.jsonl",
              "items": 10, "repeats": 1}
    store.save(digest="d1", metrics={"kappa": {"value": 0.4}}, **common)
    store.save(digest="d1", metrics={"kappa": {"value": 0.5}}, **common)
    assert [c.metrics["kappa"]["value"] for c in store.list()] == [0.5]
    store.save(digest="d2", metrics={"kappa": {"value": 0.7}}, **common)
    assert store.latest("openai/gpt-4o-mini").digest == "d2"
    assert store.latest("other/judge") is None
    assert [c.digest for c in store.list(judge="openai/gpt-4o-mini")] == ["d2", "d1"]


def test_each_verdict_is_stored_once(database: Database):
    store = CalibrationStore(database)
    assert store.add_judgment("j", "p@1", "d", "item-1", 0, {"label": "a"})
    assert not store.add_judgment("j", "p@1", "d", "item-1", 0, {"label": "b"})
    assert store.add_judgment("j", "p@1", "d", "item-1", 1, {"label": "b"})
    assert store.judgments("j", "p@1", "d") == {("item-1", 0): {"label": "a"}, ("item-1", 1): {"label": "b"}}
    assert store.judgments("j", "p@2", "d") == {}
