"""A file that cannot be loaded raises ``DatasetError`` (a ``MedchatError``) with one line naming the file, the
place in it and the field, followed by a hint. These load with ``strict=True``, which raises the first invalid
record as it is (``test_skipping`` has the default, which skips it)."""

import json
from pathlib import Path

import pytest

from medchat.errors import MedchatError
from medchat.evaluation.loaders import DatasetError, load_dataset

from .support import BROKEN, FORMATS


def error_of(path: Path, **options) -> DatasetError:
    with pytest.raises(DatasetError) as caught:
        load_dataset(path, **{"strict": True, **options})
    error = caught.value
    assert isinstance(error, MedchatError)
    assert "\n" not in str(error)
    assert error.hint  # every error says what to do
    return error


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# -- the fixtures under tests/data/eval/formats/broken ---------------------------------------------------

def test_answer_not_among_options():
    path = BROKEN / "medqa_bad_answer.jsonl"
    error = error_of(path)
    assert str(error) == (f"{path} line 2: field 'answer_idx' is 'E' but options are A–D — give the letter of one of "
                          "the options")
    assert (error.file, error.location, error.field) == (str(path), "line 2", "answer_idx")


def test_invalid_json_line():
    path = BROKEN / "invalid_json.jsonl"
    assert str(error_of(path)) == (f"{path} line 3: invalid JSON (Expecting ',' delimiter at column 41) — "
                                   "each line must be one complete JSON object")


def test_missing_required_field():
    path = BROKEN / "missing_field.jsonl"
    error = error_of(path)
    assert str(error) == (f"{path} line 2: missing field 'cop' — each MedMCQA line needs question, opa, opb, opc, "
                          "opd and cop (1 = opa … 4 = opd)")
    assert error.field == "cop"


def test_duplicate_ids_name_both_lines():
    path = BROKEN / "duplicate_ids.jsonl"
    error = error_of(path)
    assert str(error) == (f"{path} line 3: duplicate id 'q1' (first at line 1) — ids must be unique: rename or "
                          "remove one of the two")
    assert error.field == "id"


def test_bad_xml_names_line_column_and_element():
    path = BROKEN / "bad.xml"
    error = error_of(path)
    assert str(error) == (f"{path} line 6, column 67: invalid XML (mismatched tag at </Answer>) — check that every "
                          "tag is closed and special characters are escaped")
    assert error.field == "Answer"


def test_mmlu_row_with_missing_column():
    path = BROKEN / "mmlu_short_row.csv"
    assert str(error_of(path)) == (f"{path} line 3: 5 columns but MMLU rows have 6 (question, A, B, C, D, answer) "
                                   "— quote cells that contain commas")


def test_csv_row_with_extra_column():
    path = BROKEN / "generic_wrong_columns.csv"
    assert str(error_of(path)) == (f"{path} line 3: 4 columns but the header has 3 (id, question, answer) — quote "
                                   "cells that contain the delimiter")


def test_rubric_points_of_the_wrong_type():
    path = BROKEN / "healthbench_bad_points.jsonl"
    error = error_of(path)
    assert str(error) == (f"{path} line 1: field 'rubrics[1].points' must be a number, got text 'minus five' — "
                          "points are numbers, negative for what to avoid")
    assert error.field == "rubrics[1].points"


def test_pubmedqa_decision_outside_yes_no_maybe_names_the_record():
    path = BROKEN / "pubmedqa_bad_decision.json"
    error = error_of(path)
    assert str(error).startswith(f"{path} record '90000011': field 'final_decision' is 'perhaps' but must be yes, "
                                 "no or maybe — ")
    assert error.location == "record '90000011'"


# -- files, formats and encodings -------------------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nope.jsonl"
    assert str(error_of(path)) == f"{path}: no such file or directory — check the path"


def test_unknown_format():
    path = FORMATS / "medqa.jsonl"
    error = error_of(path, format="parquet")
    assert str(error) == (f"{path}: unknown format 'parquet' — use one of jsonl, csv, samples, medqa, medmcqa, "
                          "medmcqa-hf, mmlu, pubmedqa, healthbench, medquad, or leave it out to detect the format")
    assert error.field == "format"


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, "empty.jsonl", content)
    assert str(error_of(path)) == f"{path}: the file is empty — add at least one record"


def test_csv_with_only_a_header(tmp_path):
    path = write(tmp_path, "head.csv", "question,answer\n")
    assert str(error_of(path)) == f"{path}: the file has a header but no rows — add at least one row under the header"


def test_empty_json_array(tmp_path):
    path = write(tmp_path, "none.json", "[]")
    assert str(error_of(path)) == f"{path}: the file has no records — add at least one record"


def test_non_utf8_csv_names_line_and_byte(tmp_path):
    path = write(tmp_path, "latin.csv", "question,answer\nIs café safe in pregnancy?,In moderation\n".encode("latin-1"))
    assert str(error_of(path)) == (f"{path} line 2: not valid UTF-8 (byte 0xe9 at column 7) — save the file as "
                                   "UTF-8 (it may be Latin-1 or Windows-1252)")


def test_non_utf8_xml(tmp_path):
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Document id="1">\n<Focus>Caf\xe9</Focus>\n</Document>\n'
    path = write(tmp_path, "doc.xml", xml.encode("latin-1"))
    assert str(error_of(path)).startswith(f"{path} line 3: not valid UTF-8 (byte 0xe9 at column 11) — ")


def test_xml_in_a_declared_other_encoding_is_read(tmp_path):
    xml = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<Document id="1"><QAPairs><QAPair pid="1">'
           '<Question qid="1-1">Is caf\xe9 au lait safe?</Question><Answer>In moderation.</Answer>'
           "</QAPair></QAPairs></Document>")
    path = write(tmp_path, "latin.xml", xml.encode("latin-1"))
    assert load_dataset(path)[0].question == "Is café au lait safe?"


def test_directory_with_a_single_file_format(tmp_path):
    error = error_of(tmp_path, format="medqa")
    assert str(error) == (f"{tmp_path}: is a directory, but the medqa format reads one file — give a file; only "
                          "medquad reads a directory of XML files")


def test_directory_without_xml(tmp_path):
    write(tmp_path, "notes.md", "nothing here")
    assert str(error_of(tmp_path)) == (f"{tmp_path}: no .xml files in the directory — point at a MedQuAD folder or "
                                       "one of its XML files")


def test_json_object_that_is_not_pubmedqa(tmp_path):
    path = write(tmp_path, "config.json", '{"model": "x"}')
    assert str(error_of(path)).startswith(f"{path}: one JSON object that is not PubMedQA")


def test_jsonl_line_that_is_not_an_object(tmp_path):
    path = write(tmp_path, "lists.jsonl", '{"question": "q", "answer": "a"}\n["q", "a"]\n')
    assert str(error_of(path)) == (f"{path} line 2: expected a JSON object, got a list — each record must be one "
                                   'JSON object: {"field": value, ...}')


def test_invalid_json_document_names_line_and_column(tmp_path):
    path = write(tmp_path, "pubmedqa.json", '{"1": {"QUESTION": "q",\n "CONTEXTS": ["c"] "final_decision": "yes"}}')
    assert str(error_of(path)) == (f"{path} line 2, column 20: invalid JSON (Expecting ',' delimiter) — check for a "
                                   "missing comma, bracket or quote there")


def test_duplicate_pubmedqa_ids(tmp_path):
    record = '{"QUESTION": "q", "CONTEXTS": ["c"], "final_decision": "yes"}'
    path = write(tmp_path, "dup.json", f'{{"7": {record},\n"7": {record}}}')
    assert str(error_of(path)) == f"{path}: duplicate key '7' — each key (for PubMedQA, each id) may appear once"


# -- wrong types and inconsistent answers -----------------------------------------------------------------

MEDQA_HINT = 'each MedQA line needs question, options {"A": ..., "B": ...} and answer_idx (or answer)'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"question": "q", "options": ["a", "b"], "answer_idx": "A"}',
         f"field 'options' must be an object, got a list — {MEDQA_HINT}"),
        ('{"question": ["q"], "options": {"A": "a", "B": "b"}, "answer_idx": "A"}',
         f"field 'question' must be text, got a list — {MEDQA_HINT}"),
        ('{"question": "q", "options": {"A": "a", "C": "c"}, "answer_idx": "A"}',
         "field 'options' has keys A, C but must be letters A, B — key options by letter: A, B, C..."),
        ('{"question": "q", "options": {"A": "a", "B": "b"}, "answer_idx": "A", "answer": "b"}',
         "field 'answer' is 'b' but option A (answer_idx) is 'a' — answer must repeat the text of that option"),
        ('{"question": "q", "options": {"A": "a", "B": "b"}, "answer": "zzz"}',
         "field 'answer' is 'zzz', which is none of the options A–B — give the option letter (A–B) or its exact text"),
        ('{"question": "  ", "options": {"A": "a", "B": "b"}, "answer_idx": "A"}',
         f"field 'question' is empty — {MEDQA_HINT}"),
    ],
)
def test_medqa_record_errors(tmp_path, line, message):
    path = write(tmp_path, "exam.jsonl", line + "\n")
    assert str(error_of(path, format="medqa")) == f"{path} line 1: {message}"


MEDMCQA_OPTIONS = '"question": "q", "opa": "a", "opb": "b", "opc": "c", "opd": "d"'


COP_HINT = ("cop counts from 1 (1 = opa) as published, from 0 in the Hugging Face export (--format medmcqa-hf); "
            "a file with no 4 and zeros in a tenth of its records is read as counting from 0")


@pytest.mark.parametrize(
    ("cop", "message"),
    [
        ("5", f"field 'cop' is 5 but options are 1–4 (opa–opd) — {COP_HINT}"),
        ("-1", "field 'cop' is -1: the record has no answer key — the published test split has no answers; use the "
               "train or validation split"),
        ('"two"', "field 'cop' must be a whole number 1–4, got text 'two' — each MedMCQA line needs question, opa, "
                  "opb, opc, opd and cop (1 = opa … 4 = opd)"),
    ],
)
def test_medmcqa_cop_errors(tmp_path, cop, message):
    path = write(tmp_path, "mm.jsonl", f'{{{MEDMCQA_OPTIONS}, "cop": {cop}}}\n')
    assert str(error_of(path)) == f"{path} line 1: {message}"


def test_medmcqa_cop_as_digit_text_is_accepted(tmp_path):
    path = write(tmp_path, "mm.jsonl", f'{{{MEDMCQA_OPTIONS}, "cop": "4"}}\n')
    assert load_dataset(path)[0].target == ["D"]


def test_mmlu_answer_outside_a_to_d(tmp_path):
    path = write(tmp_path, "virology_test.csv", "q1,a,b,c,d,A\nq2,a,b,c,d,E\n")
    error = error_of(path)
    assert str(error) == (f"{path} line 2: field 'answer' is 'E' but options are A–D — the last column is the letter "
                          "of the correct option")
    assert error.field == "answer"


def test_generic_answer_not_among_csv_choices(tmp_path):
    path = write(tmp_path, "quiz.csv", "question,answer,choices\nWhich?,E,a|b|c\n")
    assert str(error_of(path)) == (f"{path} line 2: field 'answer' is 'E' but options are A–C — give the letter of "
                                   "one of the options")


def test_message_with_an_unknown_role(tmp_path):
    path = write(tmp_path, "hb.jsonl", '{"prompt": [{"role": "doctor", "content": "x"}], '
                                       '"rubrics": [{"criterion": "c", "points": 1}]}\n')
    error = error_of(path)
    assert str(error).startswith(f"{path} line 1: field 'prompt[0].role' is 'doctor' but must be one of system, "
                                 "user, assistant — ")
    assert error.field == "prompt[0].role"


def test_healthbench_without_criteria(tmp_path):
    path = write(tmp_path, "hb.jsonl", '{"prompt": [{"role": "user", "content": "x"}], "rubrics": []}\n')
    assert str(error_of(path, format="healthbench")) == (f"{path} line 1: field 'rubrics' is empty — give at least "
                                                         "one criterion")


def test_pubmedqa_contexts_must_be_a_list(tmp_path):
    path = write(tmp_path, "p.json", '{"1": {"QUESTION": "q", "CONTEXTS": 5, "final_decision": "yes"}}')
    assert str(error_of(path)).startswith(f"{path} record '1': field 'CONTEXTS' must be a list of texts, got the "
                                          "number 5 — ")


def test_samples_schema_rejects_unknown_and_invalid_fields(tmp_path):
    typo = write(tmp_path, "typo.jsonl", '{"id": "1", "input": "q", "anwser": "x"}\n')
    assert str(error_of(typo, format="samples")).startswith(
        f"{typo} line 1: unknown field 'anwser' for the Sample schema — each line is one Sample: id, input, ")
    bad = write(tmp_path, "bad.jsonl", '{"id": "1", "input": "q", "rubric": [{"criterion": "c", "points": "x"}]}\n')
    error = error_of(bad, format="samples")
    assert str(error).startswith(f"{bad} line 1: field 'rubric[0].points' is invalid: Input should be a valid number")
    assert error.field == "rubric[0].points"


# -- MedQuAD structure --------------------------------------------------------------------------------------

def qa_document(doc_id: str, qid: str, answer: str = "An answer.") -> str:
    return (f'<Document id="{doc_id}"><QAPairs><QAPair pid="1"><Question qid="{qid}" qtype="information">'
            f"A question?</Question><Answer>{answer}</Answer></QAPair></QAPairs></Document>")


def test_medquad_duplicate_qid_across_files_names_both(tmp_path):
    first = write(tmp_path, "a.xml", qa_document("1", "1-1"))
    second = write(tmp_path, "b.xml", qa_document("2", "1-1"))
    assert str(error_of(tmp_path)) == (f"{second} QAPair 1 (pid 1): duplicate id '1-1' (first at {first} QAPair 1 "
                                       "(pid 1)) — ids must be unique: rename or remove one of the two")


def test_medquad_wrong_root_element(tmp_path):
    path = write(tmp_path, "root.xml", "<Doc><QAPairs/></Doc>")
    assert str(error_of(path)) == (f"{path} element <Doc>: root element is <Doc>, not <Document> — MedQuAD files "
                                   "hold one <Document> with <QAPairs>")


def test_medquad_pair_without_question(tmp_path):
    path = write(tmp_path, "q.xml", '<Document id="7"><QAPairs><QAPair pid="2"><Answer>x</Answer></QAPair>'
                                    "</QAPairs></Document>")
    error = error_of(path)
    assert str(error) == (f"{path} QAPair 1 (pid 2): missing element <Question> — each <QAPair> holds a <Question> "
                          "and an <Answer>")
    assert error.field == "Question"


def test_medquad_with_only_empty_answers(tmp_path):
    path = write(tmp_path, "empty.xml", qa_document("1", "1-1", answer="  "))
    assert str(error_of(path)).startswith(f"{path}: no answered QA pairs (1 with an empty answer) — ")


# -- mappings -----------------------------------------------------------------------------------------------

def test_mapping_key_that_is_not_a_sample_field(tmp_path):
    path = write(tmp_path, "de.csv", "Frage,Antwort\nq,a\n")
    error = error_of(path, mapping={"question": "Frage"})
    assert str(error) == (f"{path}: mapping key 'question' is not a Sample field — use id, input, target, choices, "
                          "context, tags, output, rubric or metadata.<name>")


def test_mapping_to_a_column_the_csv_lacks(tmp_path):
    path = write(tmp_path, "de.csv", "Frage,Antwort\nq,a\n")
    error = error_of(path, mapping={"input": "Frage", "target": "Answer"})
    assert str(error) == (f"{path} line 1: mapping target → 'Answer' but the header has no column 'Answer' (columns: "
                          "Frage, Antwort) — check the spelling of the column name")
    assert error.field == "Answer"


def test_mapping_to_a_field_no_jsonl_record_has(tmp_path):
    path = write(tmp_path, "de.jsonl", '{"Frage": "q", "Antwort": "a"}\n')
    assert str(error_of(path, mapping={"input": "Frage", "target": "Answer"})) == (
        f"{path}: mapping target → 'Answer' but no record has a field 'Answer' — check the spelling of the column name")


def test_mapping_with_a_named_format(tmp_path):
    error = error_of(FORMATS / "medqa.jsonl", format="medqa", mapping={"input": "question"})
    assert error.field == "mapping"
    assert "a column mapping applies to the jsonl and csv formats, not medqa" in str(error)


def test_csv_without_a_question_column(tmp_path):
    path = write(tmp_path, "de.csv", "Frage,Antwort\nq,a\n")
    assert str(error_of(path)) == (f"{path} line 1: no question column (columns: Frage, Antwort) — name the file's "
                                   "columns with mapping={'input': '<question column>', 'target': '<answer column>'}")


def test_csv_header_naming_a_column_twice(tmp_path):
    path = write(tmp_path, "twice.csv", "question,question\nq,a\n")
    error = error_of(path)
    assert str(error).startswith(f"{path} line 1: column 'question' appears twice in the header")
    assert error.field == "question"


# -- more options than letters -------------------------------------------------------------------------------

TOO_MANY = "has 27 options, more than the 26 letters A–Z — each option is named by a letter: give at most 26"
CHOICES_27 = [f"option {n}" for n in range(27)]


@pytest.mark.parametrize(("name", "record", "field"), [
    ("anatomy.jsonl", {"question": "q", "subject": "anatomy", "choices": CHOICES_27, "answer": 26}, "choices"),
    ("anatomy.jsonl", {"question": "q", "subject": "anatomy", "choices": CHOICES_27, "answer": 0}, "choices"),
    ("quiz.jsonl", {"question": "q", "choices": CHOICES_27, "answer": "option 26"}, "choices"),
    ("quiz.jsonl", {"question": "q", "options": CHOICES_27}, "options"),  # no answer: it would fail at solve time
    ("samples.jsonl", {"id": "1", "input": "q", "choices": CHOICES_27, "target": ["option 26"]}, "choices"),
])
def test_more_options_than_letters_is_a_record_error(tmp_path, name, record, field):
    path = write(tmp_path, name, json.dumps(record) + "\n")
    error = error_of(path)
    assert str(error) == f"{path} line 1: field {field!r} {TOO_MANY}"
    assert error.field == field
