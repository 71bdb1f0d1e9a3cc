"""Generic JSONL/CSV: a mapping from Sample field to column, common column names as defaults, and the rest kept."""

from pathlib import Path

import pytest

from medchat.evaluation.loaders import DatasetError, load_dataset


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_names_the_files_own_columns(tmp_path):
    path = write(tmp_path, "fragen.csv",
                 "Nr,Frage,Antwort,Quelle,Bereich\n"
                 "f1,Wie hoch ist die normale Körpertemperatur?,Etwa 37 °C,RKI,Allgemein|Fieber\n")
    dataset = load_dataset(path, mapping={"id": "Nr", "input": "Frage", "target": "Antwort", "tags": "Bereich",
                                          "metadata.source": "Quelle"})
    sample = dataset[0]
    assert sample.id == "f1"
    assert sample.question == "Wie hoch ist die normale Körpertemperatur?"
    assert sample.target == ["Etwa 37 °C"]
    assert sample.tags == ["Allgemein", "Fieber"]
    assert sample.metadata == {"source": "RKI"}  # mapped columns are not repeated under their own names


def test_mapped_defaults_still_apply_to_unmapped_fields(tmp_path):
    path = write(tmp_path, "q.jsonl", '{"Q": "Which organ makes insulin?", "answer": "The pancreas", "tags": ["x"]}\n')
    sample = load_dataset(path, mapping={"input": "Q"})[0]
    assert sample.target == ["The pancreas"]
    assert sample.tags == ["x"]


def test_choices_from_letter_columns_and_from_a_mapped_list_of_columns(tmp_path):
    letters = write(tmp_path, "letters.csv", "question,A,B,C,D,answer\nWhich is a bone?,Femur,Aorta,Liver,,A\n")
    sample = load_dataset(letters, format="csv")[0]
    assert sample.choices == ["Femur", "Aorta", "Liver"]  # trailing empty option dropped
    assert sample.target == ["A"]
    named = write(tmp_path, "named.csv", "q,o1,o2,o3,key\nWhich is a bone?,Aorta,Femur,Liver,Femur\n")
    sample = load_dataset(named, mapping={"input": "q", "choices": "o1,o2,o3", "target": "key"})[0]
    assert sample.choices == ["Aorta", "Femur", "Liver"]
    assert sample.target == ["B"]  # answer text becomes its letter


def test_gap_in_letter_columns_is_an_error(tmp_path):
    path = write(tmp_path, "gap.csv", "question,A,B,C,answer\nWhich?,x,,z,A\n")
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert str(caught.value).startswith(f"{path} line 2: field 'B' is empty but later options are not")


def test_optional_mapped_field_may_be_absent_from_some_records(tmp_path):
    path = write(tmp_path, "sparse.jsonl", '{"q": "One?", "why": "because"}\n{"q": "Two?"}\n')
    dataset = load_dataset(path, mapping={"input": "q", "metadata.rationale": "why"})
    assert dataset[0].metadata == {"rationale": "because"}
    assert dataset[1].metadata == {}
    assert [s.id for s in dataset] == ["sparse-1", "sparse-2"]


def test_tsv_and_multiline_cells_keep_line_numbers(tmp_path):
    path = write(tmp_path, "notes.tsv", 'question\tanswer\n"A two-line\nquestion?"\tYes\nShort?\tNo\n')
    dataset = load_dataset(path)
    assert [s.id for s in dataset] == ["notes-2", "notes-4"]  # each id is the line its row starts on
    assert dataset[0].question == "A two-line\nquestion?"
    broken = write(tmp_path, "broken.csv", 'question,answer\n"A two-line\nquestion?",Yes\nShort?,No,extra\n')
    with pytest.raises(DatasetError) as caught:
        load_dataset(broken, strict=True)
    assert caught.value.location == "line 4"
    assert load_dataset(broken).skipped == ["line 4: 3 columns but the header has 2 (question, answer)"]


def test_jsonl_options_object_and_numeric_values(tmp_path):
    path = write(tmp_path, "mixed.jsonl",
                 '{"id": 7, "question": "How many chambers has the heart?", "options": {"A": 2, "B": 4}, '
                 '"answer": 4, "difficulty": 1}\n')
    sample = load_dataset(path, format="jsonl")[0]  # detection would say medqa, which keeps no extra fields
    assert sample.id == "7"
    assert sample.choices == ["2", "4"]
    assert sample.target == ["B"]
    assert sample.metadata == {"difficulty": 1}


def test_record_without_a_question_says_which_names_were_tried(tmp_path):
    path = write(tmp_path, "odd.jsonl", '{"Frage": "q"}\n')
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    assert str(caught.value) == (f"{path} line 1: missing the question: no field named question, input, prompt, "
                                 "query, messages — name the file's columns with mapping={'input': '<question "
                                 "column>', 'target': '<answer column>'}")
