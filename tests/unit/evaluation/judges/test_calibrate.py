"""Calibrating a judge: every item judged once per repeat, verdicts stored as they come, a re-run resumes."""

from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score, f1_score

from medchat.evaluation.judges.agreement import majority
from medchat.evaluation.judges.calibrate import ModelJudge, calibrate
from medchat.evaluation.judges.labels import load_labels
from medchat.evaluation.judges.replay import ReplayJudge
from medchat.evaluation.loaders.errors import DatasetError
from medchat.storage import Database
from medchat.storage.calibrations import CalibrationStore
from tests.scripted import ScriptedModel
from tests.unit.evaluation.judges.rules import RuleJudge, between

DATA = Path(__file__).parents[3] / "data" / "eval" / "judges"
HARMFUL = ("butter", "aspirin", "never need", "probably muscle", "only readings above", "does not matter",
           "only matters")


def strict_clinician(prompt: str) -> str:
    """Met when the graded reply holds none of the fixtures' harmful advice; always 'not met' for the BP item."""
    reply = between(prompt, "<conversation>", "</conversation>").rsplit("assistant:", 1)[1].lower()
    met = not any(word in reply for word in HARMFUL) and "blood pressure" not in prompt
    return '{"explanation": "checked", "criteria_met": %s}' % ("true" if met else "false")


@pytest.fixture
def store(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'cal.db'}")
    database.migrate()
    yield CalibrationStore(database)
    database.close()


async def test_rubric_calibration_matches_scikit_learn_on_the_healthbench_fixture(store):
    labels = load_labels([DATA / "healthbench_meta.jsonl"])
    judge = RuleJudge(strict_clinician, name="test/clinician")
    result = await calibrate(labels, ModelJudge(judge, labels.format), concurrency=3, store=store)
    assert (result.items, result.asked, result.reused, result.failed) == (8, 8, 0, 0)
    assert result.prompt == "rubric@1" and result.judge == "test/clinician"
    report = result.agreement
    stored = store.judgments("test/clinician", "rubric@1", labels.digest)
    assert len(stored) == 8 and {v["label"] for v in stored.values()} == {"true", "false"}
    kept = [(majority(i.labels), stored[(i.id, 0)]["label"]) for i in labels.items if majority(i.labels) is not None]
    truth, predicted = [m for m, _ in kept], [v for _, v in kept]
    assert report.kappa.value == pytest.approx(cohen_kappa_score(truth, predicted))
    assert report.macro_f1.value == pytest.approx(f1_score(truth, predicted, average="macro"))
    assert report.no_majority == 1  # the chest-pain "bad" reply: one physician said met, one not
    assert report.human_human is not None and report.per_label is not None
    assert set(report.categories) == {i.category for i in labels.items}

    stored = store.latest("test/clinician")
    assert stored.items == 8 and stored.metrics["kappa"]["value"] == pytest.approx(report.kappa.value)
    assert stored.digest == labels.digest and stored.dataset == "healthbench_meta.jsonl"


async def test_a_killed_run_resumes_without_asking_again_and_each_item_is_judged_once_per_repeat(store):
    labels = load_labels([DATA / "facts_flat.jsonl"])
    partial = RuleJudge(lambda p: "no verdict here", name="test/facts")  # every verdict fails: nothing stored
    first = await calibrate(labels, ModelJudge(partial, "facts"), store=store)
    assert first.failed == 3 and first.agreement.judged == 0
    judge = RuleJudge(lambda p: '{"correct": %s}' % ("false" if "cure" in p else "true"), name="test/facts")
    second = await calibrate(labels, ModelJudge(judge, "facts"), repeats=2, store=store)
    assert (second.asked, second.reused, second.failed) == (6, 0, 0) and len(judge.prompts) == 6
    assert second.agreement.accuracy.value == 1.0 and second.agreement.self_consistency.value == 1.0
    again = RuleJudge(lambda p: "must not be asked", name="test/facts")
    third = await calibrate(labels, ModelJudge(again, "facts"), repeats=2, store=store)
    assert (third.asked, third.reused) == (0, 6) and again.prompts == []
    assert third.agreement.accuracy.value == 1.0
    assert len(store.list(judge="test/facts")) == 1  # the same key replaces, not adds


async def test_pairwise_calibration_records_position_consistency():
    labels = load_labels([DATA / "pairs_flat.jsonl"])
    always_first = ScriptedModel(*(['{"winner": "a"}'] * 12), name="test/first")
    result = await calibrate(labels, ModelJudge(always_first, "pairwise"), concurrency=1)
    report = result.agreement
    assert report.position_consistency.value == 0.0  # every verdict flipped with the order
    assert report.accuracy.value == pytest.approx(2 / 6)  # all inconsistent ties: right only on the two ties


async def test_replay_judge_reads_recorded_verdicts_by_item_id():
    labels = load_labels([DATA / "pairs_flat.jsonl"])
    judge = ReplayJudge.from_file(DATA / "replay_verdicts.jsonl", "pairwise")
    assert judge.name == "other-judge" and judge.prompt.startswith("replay@")
    result = await calibrate(labels, judge)
    assert result.failed == 0 and result.agreement.accuracy.value == pytest.approx(4 / 6)
    assert result.agreement.position_consistency.n == 1  # only "tie (inconsistent)" says anything about order


async def test_replay_judge_from_a_label_file_calibrates_one_published_labelling_against_another(tmp_path):
    labels = load_labels([DATA / "mtbench_human.json"])
    judge = ReplayJudge.from_file(DATA / "mtbench_human.json", "pairwise")  # its first vote per item
    result = await calibrate(labels, judge)
    assert result.failed == 0 and result.agreement.accuracy.value == 1.0


def test_replay_verdicts_must_be_verdicts(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_text('{"id": "p1", "verdict": "maybe"}\n')
    with pytest.raises(DatasetError, match="v.jsonl line 1: verdict 'maybe' is not a pairwise verdict"):
        ReplayJudge.from_file(path, "pairwise")


def test_long_item_ids_are_stored_by_their_digest():
    from medchat.evaluation.judges.calibrate import stored_id

    assert stored_id("q1:a:b:t1") == "q1:a:b:t1"
    long = stored_id("x" * 301)
    assert long.startswith("sha256:") and len(long) <= 300 and long == stored_id("x" * 301)
