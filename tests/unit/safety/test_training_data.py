"""The extra training sets for the safety classifiers: schema, balance and independence from the test split."""

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parents[2] / "data" / "safety"
SETS = {  # extra file, main file, labels, minimum size
    "triage": ("triage_train_extra.jsonl", "triage.jsonl", {"emergency", "non_emergency"}, 300),
    "injection": ("injection_train_extra.jsonl", "injection.jsonl", {"injection", "benign"}, 250),
}


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("check", sorted(SETS))
def test_extra_training_data_is_large_bilingual_and_dev_only(check):
    extra, main, labels, minimum = SETS[check]
    items = rows(extra)
    reference = rows(main)
    assert len(items) >= minimum
    assert set(items[0]) == set(reference[0])  # same schema as the main set
    assert {i["label"] for i in items} == labels
    assert {i["split"] for i in items} == {"dev"}
    assert {i["language"] for i in items} == {"en", "zh"}
    share_zh = sum(i["language"] == "zh" for i in items) / len(items)
    assert 0.35 <= share_zh <= 0.5
    assert len({i["id"] for i in items}) == len(items)
    assert len({i["text"] for i in items}) == len(items)


@pytest.mark.parametrize("check", sorted(SETS))
def test_extra_training_data_shares_no_message_with_the_labelled_set(check):
    extra, main, _, _ = SETS[check]
    assert not {i["text"] for i in rows(extra)} & {i["text"] for i in rows(main)}


def test_triage_extra_data_is_mostly_hard_negatives_of_every_kind():
    items = rows("triage_train_extra.jsonl")
    negatives = [i for i in items if i["label"] == "non_emergency"]
    kinds = {i["kind"] for i in negatives}
    assert {"negation", "mild", "history", "third_party_past", "figurative", "general_question",
            "hypothetical_or_other", "benign"} <= kinds
    assert sum(i["kind"] != "benign" for i in negatives) / len(negatives) >= 0.5


def test_injection_extra_data_has_benign_lookalikes_and_documents():
    items = rows("injection_train_extra.jsonl")
    kinds = {(i["label"], i["kind"]) for i in items}
    assert {("benign", "benign_lookalike"), ("benign", "benign_document"), ("injection", "hidden_in_document")} <= kinds
    assert {i["source"] for i in items} == {"user", "document"}
    assert any("@" in i["text"] for i in items if i["label"] == "benign")  # people giving their own e-mail


TRIAGE_FIELDS = {"id", "text", "language", "label", "category", "kind"}


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("triage_train_*.jsonl")))
def test_every_triage_training_file_is_dev_only_bilingual_and_unique(name):
    items = rows(name)
    assert items and all(TRIAGE_FIELDS | {"split"} == set(i) for i in items)
    assert {i["split"] for i in items} == {"dev"}  # what the training script reads
    assert {i["label"] for i in items} <= {"emergency", "non_emergency"}
    assert {i["language"] for i in items} <= {"en", "zh"}  # one writer may write one language (consumer2: English)
    assert len({i["id"] for i in items}) == len(items) and len({i["text"] for i in items}) == len(items)


def test_the_triage_training_files_together_are_bilingual():
    languages = [i["language"] for p in DATA.glob("triage_train_*.jsonl") for i in rows(p.name)]
    assert min(languages.count("en"), languages.count("zh")) >= 500


@pytest.mark.parametrize("name", ["triage_validation.jsonl", "triage_holdout3.jsonl", "triage_holdout4.jsonl",
                                  "triage_holdout5.jsonl"])
def test_measurement_sets_are_well_formed_and_never_trained_on(name):
    items = rows(name)
    assert all(set(i) >= TRIAGE_FIELDS and "split" not in i for i in items)  # no split: the trainer skips them
    assert {i["label"] for i in items} == {"emergency", "non_emergency"}
    assert all((i["kind"] == "positive") == (i["label"] == "emergency") for i in items)
    assert len({i["id"] for i in items}) == len(items)
    trained = {i["text"] for p in DATA.glob("triage_train_*.jsonl") for i in rows(p.name)}
    assert len({i["text"] for i in items} & trained) <= 2  # independent writers; safety_eval leaves out the few
