"""An invalid record is skipped with its reason (file, place, field) and the rest of the file loads;
``strict=True`` raises it instead. A file where most records are invalid, or none is valid, still fails:
one error saying it looks like the wrong format beats a thousand skipped lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medchat.evaluation.loaders import load_dataset, skipped_summary
from medchat.evaluation.sample import Dataset, Sample

from .support import BROKEN, FORMATS, PUBLISHED
from .test_errors import error_of, write


def with_pubmedqa_record(path: Path) -> bytes:
    records = json.loads(path.read_text(encoding="utf-8"))
    records["80000004"] = {"QUESTION": "Does it help?", "CONTEXTS": ["A context."], "final_decision": "perhaps"}
    return json.dumps(records, indent=1).encode()


def with_medquad_pair(path: Path) -> bytes:
    pair = '<QAPair pid="4"><Answer>An answer without its question.</Answer></QAPair>'
    return path.read_bytes().replace(b"</QAPairs>", pair.encode() + b"</QAPairs>")


def appended(line: str):
    return lambda path: path.read_bytes() + line.encode() + b"\n"


# (file in a published layout, how to add one invalid record, valid records, the reason it is skipped for)
ONE_INVALID = {
    "medqa": (PUBLISHED / "medqa_us_4_options_test.jsonl",
              appended('{"question": "Which?", "options": {"A": "x", "B": "y"}, "answer_idx": "C"}'), 5,
              "line 6: field 'answer_idx' is 'C' but options are A–B"),
    "medmcqa": (PUBLISHED / "medmcqa_dev.json",
                appended('{"question": "Which?", "opa": "w", "opb": "x", "opc": "y", "opd": "z"}'), 3,
                "line 4: missing field 'cop'"),
    "mmlu": (PUBLISHED / "clinical_knowledge_test.csv", appended("How many?,one,two,three,B"), 4,
             "line 5: 5 columns but MMLU rows have 6 (question, A, B, C, D, answer)"),
    "mmlu_hf": (PUBLISHED / "mmlu_hf_college_medicine.json",
                appended('{"question": "Which?", "subject": "anatomy", "choices": ["a", "b", "c", "d"], "answer": 7}'),
                3, "line 4: field 'answer' is the number 7 but must be a choice number 0–3 (0 = the first) or a "
                   "letter A–D"),
    "pubmedqa": (PUBLISHED / "ori_pqal.json", with_pubmedqa_record, 3,
                 "record '80000004': field 'final_decision' is 'perhaps' but must be yes, no or maybe"),
    "healthbench": (PUBLISHED / "healthbench_sample.jsonl",
                    appended('{"prompt": [{"role": "user", "content": "Hi"}], "rubrics": [{"criterion": "Kind.", '
                             '"points": "ten"}]}'), 2,
                    "line 3: field 'rubrics[0].points' must be a number, got text 'ten'"),
    "medquad": (PUBLISHED / "medquad" / "0000101_1_Test_Topic.xml", with_medquad_pair, 2,
                "QAPair 4 (pid 4): missing element <Question>"),
    "jsonl": (FORMATS / "generic.jsonl", appended('{"question": "Unclosed?", "answer": "x"'), 3,
              "line 4: invalid JSON (Expecting ',' delimiter at column 40)"),
    "csv": (FORMATS / "generic.csv", appended("x9,Which?,a,b,extra,cells,here"), 3,
            "line 5: 7 columns but the header has 6 (id, question, answer, choices, tags, difficulty)"),
    "samples": (FORMATS / "samples.jsonl", appended('{"id": "s-9", "input": "q", "anwser": "x"}'), 3,
                "line 4: unknown field 'anwser' for the Sample schema"),
}


@pytest.mark.parametrize("layout", ONE_INVALID)
def test_one_invalid_record_is_skipped_with_a_summary_and_fails_under_strict(tmp_path, layout):
    original, add_invalid, valid, reason = ONE_INVALID[layout]
    path = write(tmp_path, original.name, add_invalid(original))
    dataset = load_dataset(path)
    assert len(dataset) == valid
    assert dataset.samples == load_dataset(original).samples
    assert dataset.skipped == [reason]
    assert skipped_summary(dataset) == f"{path}: {valid} loaded, 1 skipped ({reason})"
    error = error_of(path, strict=True)
    assert str(error).startswith(f"{path} {reason} — ")  # today's one-line error, with its hint


def test_the_published_fixtures_with_one_broken_record_each_load_the_rest():
    dataset = load_dataset(BROKEN / "duplicate_ids.jsonl")
    assert [s.id for s in dataset] == ["q1", "q2"]
    assert dataset.skipped == ["line 3: duplicate id 'q1' (first at line 1)"]
    assert load_dataset(BROKEN / "invalid_json.jsonl").skipped == [
        "line 3: invalid JSON (Expecting ',' delimiter at column 41)"]
    assert load_dataset(BROKEN / "mmlu_short_row.csv").skipped == [
        "line 3: 5 columns but MMLU rows have 6 (question, A, B, C, D, answer)"]


def test_half_invalid_still_loads_the_valid_half(tmp_path):
    path = write(tmp_path, "half.jsonl", '{"question": "q1", "answer": "a"}\n{"answer": "b"}\n'
                                         '{"question": "q3", "answer": "c"}\n{"answer": "d"}\n')
    dataset = load_dataset(path)
    assert [s.id for s in dataset] == ["half-1", "half-3"]
    assert len(dataset.skipped) == 2


def test_summary_shows_the_first_three_reasons_and_counts_the_rest(tmp_path):
    lines = [json.dumps({"question": f"Question {n}?", "answer": "yes"}) for n in range(1, 1301)]
    for number in (5, 9, 12, 40, 41):
        lines[number - 1] = '{"answer": "no question"}'
    path = write(tmp_path, "big.jsonl", "\n".join(lines) + "\n")
    missing = "missing the question: no field named question, input, prompt, query, messages"
    assert skipped_summary(load_dataset(path)) == (
        f"{path}: 1,295 loaded, 5 skipped (line 5: {missing}; line 9: {missing}; line 12: {missing}; 2 more)")


def test_nothing_skipped_means_no_summary():
    assert skipped_summary(load_dataset(PUBLISHED / "medqa_us_4_options_test.jsonl")) is None
    assert skipped_summary(Dataset(name="x", samples=[Sample(id="1", input="q")])) is None


WRONG_FORMAT_HINT = ("if it is another format, name it with --format (jsonl, csv, samples, medqa, medmcqa, mmlu, "
                     "pubmedqa, healthbench, medquad); for other field names use --format jsonl or csv with --map "
                     "FIELD=COLUMN")


def test_a_file_read_as_the_wrong_format_fails_in_one_line_naming_the_format(tmp_path):
    path = PUBLISHED / "medmcqa_dev.json"
    error = error_of(path, format="medqa", strict=False)
    assert str(error) == (f"{path}: 3 of 3 records are invalid when read as medqa, so it looks like the wrong "
                          f"format (first: line 1: missing field 'options') — {WRONG_FORMAT_HINT}")


def test_a_detected_format_that_fits_only_the_first_record_fails_as_wrong_format(tmp_path):
    medqa = '{"question": "q", "options": {"A": "a", "B": "b"}, "answer_idx": "A"}'
    other = '{"question": "q", "choices": ["a", "b"], "label": 1}'
    path = write(tmp_path, "mixed.jsonl", "\n".join([medqa, other, other, other]) + "\n")
    assert str(error_of(path, strict=False)).startswith(
        f"{path}: 3 of 4 records are invalid when read as medqa (detected), so it looks like the wrong format "
        "(first: line 2: missing field 'options') — ")


@pytest.mark.parametrize(("name", "content", "format", "first"), [
    ("a.jsonl", '{"prompt": [{"role": "user", "content": "x"}], "rubrics": [{"criterion": "c", "points": 1}]}\n' * 3,
     "medqa", "line 1: missing field 'question'"),
    ("a.jsonl", '{"question": "q", "options": {"A": "a"}, "answer_idx": "A"}\n' * 2, "medmcqa",
     "line 1: missing field 'opa'"),
    ("a.csv", "id,question,answer\n1,q,a\n2,q,a\n", "mmlu", "line 1: 3 columns but MMLU rows have 6"),
    ("a.jsonl", '{"question": "q", "answer": "a"}\n' * 2, "pubmedqa", "line 1: missing field 'context.contexts'"),
    ("a.jsonl", '{"question": "q", "answer": "a"}\n' * 2, "healthbench", "line 1: missing field 'prompt'"),
    ("a.jsonl", '{"Frage": "q", "Antwort": "a"}\n' * 2, "jsonl", "line 1: missing the question"),
    ("a.jsonl", '{"id": "1", "question": "q"}\n{"id": "2", "question": "q"}\n', "samples",
     "line 1: unknown field 'question' for the Sample schema"),
    ("a.csv", "question,answer\nq,a,x\nq,a,y\n", "csv", "line 2: 3 columns but the header has 2"),
])
def test_mostly_invalid_fails_for_every_format(tmp_path, name, content, format, first):
    path = write(tmp_path, name, content)
    error = error_of(path, format=format, strict=False)
    assert str(error).startswith(f"{path}: ")
    assert f"records are invalid when read as {format}, so it looks like the wrong format (first: {first}" in str(error)
    assert error.hint == WRONG_FORMAT_HINT


def test_a_medquad_folder_skips_a_file_that_is_not_medquad_and_fails_when_most_are_not(tmp_path):
    good = PUBLISHED / "medquad" / "0000101_1_Test_Topic.xml"
    write(tmp_path, "good.xml", good.read_bytes())
    write(tmp_path, "good2.xml", good.read_bytes().replace(b"0000101", b"0000102"))
    write(tmp_path, "good3.xml", good.read_bytes().replace(b"0000101", b"0000103"))
    other = write(tmp_path, "other.xml", "<Doc><QAPairs/></Doc>")
    dataset = load_dataset(tmp_path)
    assert len(dataset) == 6
    assert dataset.skipped == [f"{other} element <Doc>: root element is <Doc>, not <Document>"]
    for number in range(7):
        write(tmp_path, f"other{number}.xml", "<Doc><QAPairs/></Doc>")
    assert "records are invalid when read as medquad (detected)" in str(error_of(tmp_path, strict=False))
    assert str(error_of(tmp_path)).startswith(f"{other} element <Doc>: root element is <Doc>")


def test_a_single_invalid_record_fails_with_its_own_error(tmp_path):
    path = write(tmp_path, "one.jsonl", '{"question": "q", "options": {"A": "a"}, "answer_idx": "B"}\n')
    assert str(error_of(path, strict=False)) == (f"{path} line 1: field 'answer_idx' is 'B' but options are A — give "
                                                 "the letter of one of the options")


def test_file_level_errors_are_not_skipped(tmp_path):
    path = write(tmp_path, "p.json", '{"1": {"QUESTION": "q",\n "CONTEXTS": ["c"] "final_decision": "yes"}}')
    assert str(error_of(path, strict=False)).startswith(f"{path} line 2, column 20: invalid JSON")
    path = write(tmp_path, "de.jsonl", '{"Frage": "q", "Antwort": "a"}\n')
    assert "no record has a field 'Answer'" in str(error_of(path, strict=False,
                                                             mapping={"input": "Frage", "target": "Answer"}))


# -- an unclosed quote is the file's error, never one skipped row -------------------------------------------

UNCLOSED_HINT = 'close the quote, or write a quote that is part of the text as two ("")'


def csv_with(rows: list[str], header: str | None = "id,question,answer") -> str:
    return "\n".join(([header] if header else []) + rows) + "\n"


@pytest.mark.parametrize(("name", "header", "row", "broken"), [
    ("quiz.csv", "id,question,answer", lambda n: f"{n},Question {n}?,answer {n}", '5,"Question 5?,answer 5'),
    ("quiz.csv", "id,question,answer", lambda n: f"{n},Question {n}?,answer {n}", '"5,Question 5?,answer 5'),
    ("anatomy_test.csv", None, lambda n: f"Question {n}?,a,b,c,d,A", '"Question 5?,a,b,c,d,A'),
])
def test_an_unclosed_quote_fails_the_file_instead_of_swallowing_the_rest(tmp_path, name, header, row, broken):
    rows = [row(n) for n in range(1, 101)]
    rows[4] = broken  # the fifth record: line 6 under a header, line 5 without
    path = write(tmp_path, name, csv_with(rows, header))
    line = 6 if header else 5
    expected = (f"{path}: unclosed quote starting at line {line} (its cell runs to the end of the file, line "
                f"{len(rows) + (1 if header else 0)}) — {UNCLOSED_HINT}")
    assert str(error_of(path, strict=False)) == expected
    assert str(error_of(path)) == expected


def test_a_quote_open_until_a_stray_quote_far_below_fails_too(tmp_path):
    rows = [f"{n},Question {n}?,answer {n}" for n in range(1, 1_201)]
    rows[2] = '3,"Question 3?,answer 3'  # opened on line 4 ...
    rows[1_150] = '1151,Question 1151?,"answer 1151'  # ... and closed by accident on line 1,152
    path = write(tmp_path, "quiz.csv", csv_with(rows))
    assert str(error_of(path, strict=False)) == (f"{path}: unclosed quote starting at line 4 (its row runs on for "
                                                 f"1,149 lines, to line 1152) — {UNCLOSED_HINT}")


def test_a_cell_past_the_field_limit_is_taken_for_an_unclosed_quote(tmp_path, monkeypatch):
    from medchat.evaluation.loaders import source

    monkeypatch.setattr(source, "CSV_FIELD_LIMIT", 2**20)
    path = write(tmp_path, "quiz.csv", csv_with(['1,"' + "word " * 300_000 + '",a', "2,Question?,b"]))
    assert str(error_of(path, strict=False)) == (f"{path}: unclosed quote starting at line 2 (a cell there is "
                                                 f"longer than 1 MB) — {UNCLOSED_HINT}")


def test_quoted_cells_over_several_lines_still_load_and_the_csv_limit_is_put_back(tmp_path):
    import csv

    rows = ['1,"First line,\nsecond line",a', "2,Question 2?,b", '3,"Last question,\nover two lines?","c"']
    dataset = load_dataset(write(tmp_path, "quiz.csv", csv_with(rows)))
    assert [s.question for s in dataset] == ["First line,\nsecond line", "Question 2?",
                                             "Last question,\nover two lines?"]
    previous = csv.field_size_limit(131_072)  # the module's default, whatever ran before
    try:
        long = load_dataset(write(tmp_path, "long.csv", csv_with([f'1,"{"word " * 100_000}",a'])))  # over 128 kB
        assert len(long[0].question) == len("word " * 100_000) - 1
        assert csv.field_size_limit() == 131_072  # the limit is process-wide: raised for the read only
    finally:
        csv.field_size_limit(previous)
