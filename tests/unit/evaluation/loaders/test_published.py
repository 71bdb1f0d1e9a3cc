"""The published layouts load whole, with the quirks real copies have: letters as options, fields missing or
extra, JSON lines under a ``.json`` name, Windows line endings, a byte-order mark, trailing blank lines and
very long records. The fixtures in ``published/`` follow each layout's field names; the questions are invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medchat.evaluation.loaders import load_dataset
from medchat.evaluation.loaders.detect import detect_format
from medchat.types import Message

from .support import PUBLISHED
from .test_errors import error_of, write

MEDQA = PUBLISHED / "medqa_us_4_options_test.jsonl"
MEDMCQA = PUBLISHED / "medmcqa_dev.json"
MEDMCQA_HF = PUBLISHED / "medmcqa_hf_validation.jsonl"
MMLU = PUBLISHED / "clinical_knowledge_test.csv"
MMLU_HF = PUBLISHED / "mmlu_hf_college_medicine.json"
PUBMEDQA = PUBLISHED / "ori_pqal.json"
HEALTHBENCH = PUBLISHED / "healthbench_sample.jsonl"
MEDQUAD = PUBLISHED / "medquad" / "0000101_1_Test_Topic.xml"
FILES = [MEDQA, MEDMCQA, MEDMCQA_HF, MMLU, MMLU_HF, PUBMEDQA, HEALTHBENCH, MEDQUAD]


@pytest.mark.parametrize(("path", "expected"), [
    (MEDQA, "medqa"), (MEDMCQA, "medmcqa"), (MEDMCQA_HF, "medmcqa"), (MMLU, "mmlu"), (MMLU_HF, "mmlu"),
    (PUBMEDQA, "pubmedqa"), (HEALTHBENCH, "healthbench"), (MEDQUAD, "medquad"), (MEDQUAD.parent, "medquad"),
], ids=lambda value: value.name if isinstance(value, Path) else value)
def test_each_published_layout_is_detected(path, expected):
    assert detect_format(path) == expected


# -- MedQA ---------------------------------------------------------------------------------------------------

def test_medqa_us_4_options_loads_whole():
    dataset = load_dataset(MEDQA)
    assert dataset.skipped == []
    assert [s.target for s in dataset] == [["B"], ["D"], ["A"], ["C"], ["B"]]
    assert dataset[0].choices == ["Insulin glargine", "Metformin", "Linagliptin", "Atorvastatin"]
    assert dataset[0].metadata["meta_info"] == "step2&3"
    assert dataset[0].metadata["metamap_phrases"][0] == "58 year old man"
    assert dataset[2].metadata == {}  # no meta_info in this record
    assert dataset[3].metadata["source_note"] == "invented for the medchat tests"  # unknown fields are kept


def test_medqa_options_that_are_letters_compare_by_text():
    """Regression: options "A", "B", "C", "E" (about a figure) with answer "E" at answer_idx D were refused as
    'answer must repeat the text of that option', which made the whole published file unusable."""
    sample = load_dataset(MEDQA, strict=True)[1]
    assert sample.choices == ["A", "B", "C", "E"]
    assert sample.target == ["D"]
    assert sample.answer_letter == "D"


@pytest.mark.parametrize(("answer", "answer_idx", "target"), [
    ('"E"', '"D"', "D"),  # the text of option D
    (None, '"D"', "D"),  # answer_idx alone
    ('"E"', None, "D"),  # answer text alone: the option that reads "E", not a letter out of range
    ('"C"', None, "C"),  # option C reads "C"
])
def test_medqa_letter_options_in_every_combination(tmp_path, answer, answer_idx, target):
    fields = {"answer": answer, "answer_idx": answer_idx}
    extra = "".join(f', "{key}": {value}' for key, value in fields.items() if value is not None)
    path = write(tmp_path, "fig.jsonl", '{"question": "Which labelled strip shows sinus rhythm?", '
                                        f'"options": {{"A": "A", "B": "B", "C": "C", "D": "E"}}{extra}}}\n')
    assert load_dataset(path, format="medqa", strict=True)[0].target == [target]


def test_medqa_answer_repeating_the_letter_is_accepted_when_no_option_reads_so(tmp_path):
    path = write(tmp_path, "letters.jsonl", '{"question": "Which organ makes bile?", "options": {"A": "Lung", '
                                            '"B": "Liver"}, "answer": "B", "answer_idx": "B"}\n')
    assert load_dataset(path, strict=True)[0].target == ["B"]


def test_medqa_answer_that_is_another_options_text_is_still_an_error(tmp_path):
    path = write(tmp_path, "fig.jsonl", '{"question": "Which strip?", "options": {"A": "A", "B": "B", "C": "C", '
                                        '"D": "F"}, "answer": "E", "answer_idx": "D"}\n')
    assert str(error_of(path)) == (f"{path} line 1: field 'answer' is 'E' but option D (answer_idx) is 'F' — answer "
                                   "must repeat the text of that option")


# -- MedMCQA -------------------------------------------------------------------------------------------------

def test_medmcqa_as_released_is_json_lines_named_json_and_counts_cop_from_one():
    dataset = load_dataset(MEDMCQA)
    assert [s.target for s in dataset] == [["B"], ["A"], ["D"]]
    assert dataset[0].id == "0b0c0d0e-0001-4a4a-9b9b-medchat00101"
    assert dataset[1].tags == ["Physiology"]  # topic_name null
    assert dataset.description == ""


def test_medmcqa_hugging_face_export_counts_cop_from_zero():
    dataset = load_dataset(MEDMCQA_HF)
    assert [s.target for s in dataset] == [["A"], ["C"], ["B"]]
    assert dataset[0].choices[0] == "Skin"
    assert dataset.description == "MedMCQA: cop read as counting from 0 (0 = opa), as in the Hugging Face export"
    assert "explanation" not in dataset[2].metadata  # exp null
    assert dataset.notes == ["cop read as counting from 0 (Hugging Face export): 1 zero in 3 records, no 4"]


def medmcqa_lines(cops: list[int]) -> str:
    return "".join(json.dumps({"question": f"Question {n}?", "opa": "w", "opb": "x", "opc": "y", "opd": "z",
                               "cop": cop}) + "\n" for n, cop in enumerate(cops, start=1))


def test_medmcqa_as_released_carries_no_note():
    assert load_dataset(MEDMCQA).notes == []


def test_medmcqa_with_one_stray_zero_among_many_still_counts_from_one_and_says_so(tmp_path):
    path = write(tmp_path, "dev.json", medmcqa_lines([1, 2, 3] * 10 + [0]))  # published, no 4 by chance, one 0
    dataset = load_dataset(path)
    assert [s.target for s in dataset][:3] == [["A"], ["B"], ["C"]]  # not shifted to B, C, D
    assert dataset.skipped == ["line 31: field 'cop' is 0 but options are 1–4 (opa–opd)"]
    assert dataset.notes == ["cop read as counting from 1 (the published layout): no 4, but only 1 zero in 31 "
                             "records, too few for the Hugging Face export; they are skipped — pass --format "
                             "medmcqa-hf if it is a Hugging Face export"]


def test_medmcqa_with_zeros_in_a_tenth_of_the_records_counts_from_zero(tmp_path):
    path = write(tmp_path, "validation.json", medmcqa_lines([1, 2, 3] * 6 + [0, 0]))
    dataset = load_dataset(path)
    assert [s.target for s in dataset][:3] == [["B"], ["C"], ["D"]]
    assert dataset[-1].target == ["A"]
    assert dataset.notes == ["cop read as counting from 0 (Hugging Face export): 2 zeros in 20 records, no 4"]


def test_medmcqa_without_a_zero_or_a_four_is_read_as_published_and_says_it_could_not_tell(tmp_path):
    path = write(tmp_path, "validation.json", medmcqa_lines([1, 2, 3, 2]))  # a Hugging Face cut, or not
    dataset = load_dataset(path)
    assert [s.target for s in dataset] == [["A"], ["B"], ["C"], ["B"]]
    assert dataset.notes == ["cop could be counted from 0 or 1 (no 0 and no 4 in the file); read as 1 (the "
                             "published layout) — pass --format medmcqa-hf if it is a Hugging Face export"]
    named = load_dataset(path, format="medmcqa-hf")  # the user says which
    assert [s.target for s in named] == [["B"], ["C"], ["D"], ["C"]]
    assert named.notes == []
    assert named.description == "MedMCQA: cop read as counting from 0 (0 = opa), as in the Hugging Face export"


def test_medmcqa_hf_format_refuses_a_four(tmp_path):
    path = write(tmp_path, "dev.json", medmcqa_lines([1, 4, 2]))
    assert load_dataset(path, format="medmcqa-hf").skipped == [
        "line 2: field 'cop' is 4 but options are 0–3 (opa–opd), as this file counts from 0"]


def test_medmcqa_with_both_a_zero_and_a_four_counts_from_one_and_skips_the_zero(tmp_path):
    lines = [json.dumps({"question": f"Question {n}?", "opa": "w", "opb": "x", "opc": "y", "opd": "z", "cop": cop})
             for n, cop in enumerate([4, 1, 0, 2], start=1)]
    path = write(tmp_path, "mixed.jsonl", "\n".join(lines) + "\n")
    dataset = load_dataset(path)
    assert [s.target for s in dataset] == [["D"], ["A"], ["B"]]
    assert dataset.skipped == ["line 3: field 'cop' is 0 but options are 1–4 (opa–opd)"]


def test_medmcqa_test_split_without_answers_fails_saying_so(tmp_path):
    lines = [json.dumps({"question": f"Question {n}?", "opa": "w", "opb": "x", "opc": "y", "opd": "z", "cop": -1})
             for n in range(3)]
    path = write(tmp_path, "test.jsonl", "\n".join(lines) + "\n")
    assert str(error_of(path, strict=False)).startswith(
        f"{path}: 3 of 3 records are invalid when read as medmcqa (detected), so it looks like the wrong format "
        "(first: line 1: field 'cop' is -1: the record has no answer key) — ")


# -- MMLU ----------------------------------------------------------------------------------------------------

def test_mmlu_csv_without_header():
    dataset = load_dataset(MMLU)
    assert [s.id for s in dataset] == [f"clinical_knowledge_test-{n}" for n in range(1, 5)]
    assert [s.target for s in dataset] == [["B"], ["C"], ["A"], ["D"]]
    assert dataset[2].choices[0] == "Dark, strong-smelling urine"  # quoted comma
    assert dataset[0].tags == ["clinical_knowledge"]


def test_mmlu_hugging_face_export_counts_answer_from_zero():
    dataset = load_dataset(MMLU_HF)
    assert [s.target for s in dataset] == [["B"], ["A"], ["C"]]
    assert dataset[0].id == "mmlu_hf_college_medicine-1"
    assert dataset[0].choices == ["Glucagon", "Insulin", "Cortisol", "Adrenaline"]
    assert dataset[0].tags == ["college_medicine"]
    assert dataset[0].metadata == {"subject": "college_medicine"}


def test_mmlu_json_keeps_a_blank_choice_in_its_place(tmp_path):
    path = write(tmp_path, "virology.jsonl", '{"question": "Which?", "subject": "virology", '
                                             '"choices": ["a", "", "c", "d"], "answer": 2}\n')
    sample = load_dataset(path)[0]
    assert sample.choices == ["a", "", "c", "d"]
    assert sample.target == ["C"]


# -- PubMedQA, HealthBench, MedQuAD --------------------------------------------------------------------------

def test_pubmedqa_ori_pqal_dict_of_pmids():
    dataset = load_dataset(PUBMEDQA)
    assert [s.id for s in dataset] == ["80000001", "80000002", "80000003"]
    assert [s.target for s in dataset] == [["yes"], ["no"], ["maybe"]]
    assert dataset[0].tags == ["Prediabetic State", "Walking", "Diabetes Mellitus, Type 2"]
    assert "BACKGROUND: Prediabetes often progresses" in dataset[0].question
    assert dataset[1].metadata == {"long_answer": "No. Regular vitamin C did not lower the number of colds in the "
                                                  "general population.", "year": "2013"}


def test_healthbench_prompt_and_rubrics():
    dataset = load_dataset(HEALTHBENCH)
    assert [s.id for s in dataset] == ["medchat-hb-battery-0001", "medchat-hb-water-0002"]
    assert [item.points for item in dataset[0].rubric] == [10.0, 4.0, -10.0]
    assert dataset[0].target == []
    assert dataset[1].input[0] == Message.system("You are a careful health information assistant.")
    assert dataset[1].metadata == {"ideal_completions_group": "Group 2"}


def test_medquad_xml():
    dataset = load_dataset(MEDQUAD.parent)
    assert [s.id for s in dataset] == ["0000101-1", "0000101-2"]
    assert dataset[0].target == ["Dehydration happens when the body loses more water and salts than it takes in.\n"
                                 "It can follow vomiting, diarrhoea, fever or heavy sweating."]
    assert dataset.description == "MedQuAD: 2 QA pairs from 1 file; 1 pair with an empty answer skipped"
    assert dataset.skipped == []  # withheld answers are not invalid records


# -- one record: a JSON-lines export cut to its first line (``head -1``) -------------------------------------

@pytest.mark.parametrize(("path", "format"), [(MEDMCQA, "medmcqa"), (MEDMCQA_HF, "medmcqa"), (MMLU_HF, "mmlu"),
                                              (MEDQA, "medqa"), (HEALTHBENCH, "healthbench")],
                         ids=lambda value: value.name if isinstance(value, Path) else value)
def test_a_one_record_json_file_in_json_lines_layout_loads_as_record_1(tmp_path, path, format):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    copy = write(tmp_path, "first.json", first + "\n")
    for named in (format, None):  # named with --format, and detected
        (sample,) = load_dataset(copy, format=named, strict=True)
        assert sample.input == load_dataset(path)[0].input
    assert detect_format(copy) == format


def test_a_one_record_json_file_names_record_1_in_its_errors(tmp_path):
    path = write(tmp_path, "first.json", '{"question": "Which?", "subject": "anatomy", "choices": ["a", "b"], '
                                         '"answer": 2}\n')
    assert str(error_of(path, format="mmlu")).startswith(f"{path} record 1: field 'answer' is the number 2 but must "
                                                         "be a choice number 0–1")


# -- quirks of real copies -----------------------------------------------------------------------------------

QUIRKS = {
    "crlf": lambda data: data.replace(b"\n", b"\r\n"),
    "bom": lambda data: b"\xef\xbb\xbf" + data,
    "trailing_blank_lines": lambda data: data + b"\n\n   \n\n",
    "all": lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n") + b"\r\n\r\n\r\n",
}


@pytest.mark.parametrize("quirk", QUIRKS)
@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_quirks_load_the_same_samples(tmp_path, path, quirk):
    copy = write(tmp_path, path.name, QUIRKS[quirk](path.read_bytes()))
    original, quirky = load_dataset(path), load_dataset(copy, strict=True)
    assert quirky.samples == original.samples
    assert quirky.skipped == []


LONG = " ".join(["The patient describes the symptom in great detail."] * 4000)  # about 200 kB


def long_copy(path: Path) -> bytes:
    """The file with a long question added as the first record, in the file's own layout."""
    text = path.read_text(encoding="utf-8")
    if path is MMLU:
        return f'"{LONG}",a,b,c,d,A\n{text}'.encode()
    if path is MEDQUAD:
        pair = (f'<QAPair pid="0"><Question qid="0000101-0" qtype="information">{LONG}</Question>'
                f"<Answer>{LONG}</Answer></QAPair>")
        return text.replace("<QAPairs>", "<QAPairs>" + pair, 1).encode()
    if path is PUBMEDQA:
        records = json.loads(text)
        return json.dumps({"80000000": {**records["80000001"], "QUESTION": LONG}, **records}).encode()
    first = json.loads(text.split("\n", 1)[0])
    if path is HEALTHBENCH:
        first = {**first, "prompt": [{"role": "user", "content": LONG}], "prompt_id": "long"}
    else:
        first = {**first, "question": LONG, "id": "long"}
    return (json.dumps(first) + "\n" + text).encode()


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_a_200_kb_question_loads(tmp_path, path):
    copy = write(tmp_path, path.name, long_copy(path))
    dataset = load_dataset(copy, strict=True)
    assert len(dataset) == len(load_dataset(path)) + 1
    assert LONG in dataset[0].question


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xml"])
def test_an_8_mb_record_loads_whole(tmp_path, suffix):
    """An 8 MB question loads in a fraction of a second when the work is linear (a quadratic step would not
    finish); nothing is cut."""
    huge = "word " * 1_600_000
    content = {
        ".jsonl": json.dumps({"question": huge, "answer": "a"}) + "\n",
        ".csv": f'"{huge}",a,b,c,d,A\n',
        ".xml": f'<Document id="1"><QAPairs><QAPair pid="1"><Question qid="1-1">{huge}</Question>'
                f"<Answer>{'A line of the answer.' + chr(10)}</Answer></QAPair></QAPairs></Document>",
    }[suffix]
    path = write(tmp_path, "huge" + suffix, content)
    dataset = load_dataset(path)
    assert len(dataset[0].question) == len(huge.strip())
