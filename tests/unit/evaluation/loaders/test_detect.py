"""``format=None`` picks the right loader from the extension and the first record."""

from pathlib import Path

import pytest

from medchat.evaluation.loaders import DatasetError, load_dataset
from medchat.evaluation.loaders.detect import detect_format, record_format

from .support import FORMATS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("medqa.jsonl", "medqa"),
        ("medmcqa.jsonl", "medmcqa"),
        ("mmlu_anatomy.csv", "mmlu"),
        ("pubmedqa.json", "pubmedqa"),
        ("healthbench.jsonl", "healthbench"),
        ("medquad", "medquad"),
        ("medquad/A_MedlinePlus/0000001_1.xml", "medquad"),
        ("generic.csv", "csv"),
        ("generic.jsonl", "jsonl"),
        ("samples.jsonl", "samples"),
    ],
)
def test_each_fixture_is_detected(name, expected):
    assert detect_format(FORMATS / name) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"prompt": [{"role": "user", "content": "hi"}], "rubrics": [], "prompt_id": "x"}, "healthbench"),
        ({"question": "q", "opa": "1", "opb": "2", "opc": "3", "opd": "4"}, "medmcqa"),  # test split: no cop
        ({"question": "q", "options": {"A": "x"}, "answer": "x"}, "medqa"),
        ({"QUESTION": "q", "CONTEXTS": [], "final_decision": "yes"}, "pubmedqa"),
        ({"id": "1", "input": "q", "target": "a", "rubric": []}, "samples"),
        ({"id": "1", "input": "q", "difficulty": "hard"}, "jsonl"),  # not only Sample fields
        ({"prompt": "just text", "answer": "a"}, "jsonl"),
    ],
)
def test_record_fields_decide_the_json_format(record, expected):
    assert record_format(record) == expected


def test_content_not_file_name_decides(tmp_path: Path):
    path = tmp_path / "exam.jsonl"
    path.write_text('{"question": "q?", "opa": "a", "opb": "b", "opc": "c", "opd": "d", "cop": 2}\n', encoding="utf-8")
    dataset = load_dataset(path)
    assert dataset[0].target == ["B"]
    assert dataset[0].id == "exam-1"


def test_csv_with_a_header_is_not_mistaken_for_mmlu(tmp_path: Path):
    path = tmp_path / "exam.csv"
    path.write_text("id,question,A,B,C,D\nx1,Which?,w,x,y,z\n", encoding="utf-8")
    assert detect_format(path) == "csv"
    sample = load_dataset(path)[0]
    assert sample.choices == ["w", "x", "y", "z"]  # letter columns become the options


def test_mapping_limits_detection_to_generic_formats():
    assert detect_format(FORMATS / "medqa.jsonl", generic=True) == "jsonl"
    assert detect_format(FORMATS / "mmlu_anatomy.csv", generic=True) == "csv"


def test_unknown_suffix_is_sniffed_from_content(tmp_path: Path):
    jsonish = tmp_path / "items.txt"
    jsonish.write_text('{"question": "q?", "answer": "a"}\n', encoding="utf-8")
    assert detect_format(jsonish) == "jsonl"
    plain = tmp_path / "notes.txt"
    plain.write_text("just some notes\n", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_dataset(plain)
    assert str(caught.value) == (f"{plain}: cannot tell the format of a .txt file — pass format= (jsonl, csv, "
                                 "medqa, medmcqa, mmlu, pubmedqa, healthbench, medquad or samples)")


def test_explicit_format_wins_over_detection(tmp_path: Path):
    # A MedQA-looking file read as generic JSONL: the options object still becomes lettered choices.
    dataset = load_dataset(FORMATS / "medqa.jsonl", format="JSONL")
    assert dataset[0].choices[1] == "Hashimoto thyroiditis"
    assert dataset[0].target == ["B"]  # from "answer" text
    assert dataset[0].metadata["answer_idx"] == "B"
