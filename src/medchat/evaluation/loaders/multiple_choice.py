"""Multiple-choice exam files in their published layouts: MedQA (JSONL, lettered options), MedMCQA (JSONL,
``opa``–``opd`` and a 1-based ``cop``) and MMLU (header-less CSV). Each becomes a Sample whose ``input``
is the question alone (solvers add the lettered options), ``choices`` the options in letter order and
``target`` the correct letter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medchat.evaluation.loaders.build import Loaded, Located, answer_letter, letter_range, lettered_options, sample_at
from medchat.evaluation.loaders.source import Record, Source, describe, plural, quoted
from medchat.evaluation.sample import LETTERS

MEDQA_HINT = 'each MedQA line needs question, options {"A": ..., "B": ...} and answer_idx (or answer)'
MEDMCQA_HINT = "each MedMCQA line needs question, opa, opb, opc, opd and cop (1 = opa … 4 = opd)"
MEDMCQA_OPTIONS = ("opa", "opb", "opc", "opd")
MMLU_COLUMNS = ("question", "A", "B", "C", "D", "answer")


def load_medqa(source: Source, *, name: str) -> Loaded:
    items: list[Located] = []
    for record in source.records(hint=MEDQA_HINT):
        question = record.text("question")
        choices = lettered_options(record, "options", record.mapping("options"))
        letter = _medqa_answer(record, choices)
        # Fields beyond MedQA's own (tags, language, authority...) are kept: suites carry them.
        known = {"id", "question", "options", "answer_idx", "answer", "tags"}
        metadata: dict[str, Any] = {key: value for key, value in record.data.items() if key not in known}
        tags = record.data.get("tags") if isinstance(record.data.get("tags"), list) else []
        sample_id = record.optional_text("id") or f"{name}-{record.number}"
        items.append(sample_at(record, id=sample_id, input=question, choices=choices, target=[letter],
                               tags=[str(t) for t in tags], metadata=metadata))
    return Loaded(items)


def _medqa_answer(record: Record, choices: list[str]) -> str:
    """The letter from ``answer_idx``, cross-checked against ``answer`` text when both are given."""
    answer = record.optional_text("answer")
    if not record.has("answer_idx"):
        if answer is None:
            raise record.error("missing field 'answer_idx' (and no 'answer')", field="answer_idx")
        return answer_letter(record, "answer", answer, choices)
    letter = answer_letter(record, "answer_idx", record.text("answer_idx"), choices, text_ok=False)
    expected = choices[LETTERS.index(letter)]
    if answer is None:
        return letter
    if len(answer) == 1 and answer.upper() in LETTERS:
        matches = answer.upper() == letter
    else:
        matches = " ".join(answer.split()).casefold() == " ".join(expected.split()).casefold()
    if not matches:
        raise record.error(f"field 'answer' is {quoted(answer)} but option {letter} (answer_idx) is "
                           f"{quoted(expected)}", field="answer", hint="answer must repeat the text of that option")
    return letter


def load_medmcqa(source: Source, *, name: str) -> Loaded:
    items: list[Located] = []
    for record in source.records(hint=MEDMCQA_HINT):
        question = record.text("question")
        choices = []
        for field in MEDMCQA_OPTIONS:
            record.get(field)  # present, even if its text is blank
            choices.append(record.optional_text(field) or "")
        letter = LETTERS[_cop(record) - 1]
        tags = [tag for field in ("subject_name", "topic_name") if (tag := record.optional_text(field))]
        metadata: dict[str, Any] = {}
        for field, key in (("exp", "explanation"), ("choice_type", "choice_type"), ("subject_name", "subject"),
                           ("topic_name", "topic")):
            if (value := record.optional_text(field)) is not None:
                metadata[key] = value
        sample_id = record.optional_text("id") or f"{name}-{record.number}"
        items.append(sample_at(record, id=sample_id, input=question, choices=choices, target=[letter], tags=tags,
                               metadata=metadata))
    return Loaded(items)


def _cop(record: Record) -> int:
    value = record.get("cop")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise record.error(f"field 'cop' must be a whole number 1–4, got {describe(value)}", field="cop")
    if not 1 <= value <= len(MEDMCQA_OPTIONS):
        raise record.error(f"field 'cop' is {value} but options are 1–4 (opa–opd)", field="cop",
                           hint="cop counts from 1 (1 = opa); add 1 if your export counts from 0")
    return value


def mmlu_subject(path: Path) -> str:
    """``anatomy`` from ``anatomy_test.csv`` or ``mmlu_anatomy.csv``: the subject part of the file name."""
    stem = path.stem.removeprefix("mmlu_")
    for suffix in ("_test", "_dev", "_val", "_validation", "_train"):
        if stem.endswith(suffix):
            return stem.removesuffix(suffix)
    return stem


def load_mmlu(source: Source, *, name: str) -> Loaded:
    """Header-less rows ``question, A, B, C, D, answer``; ids are ``<file stem>-<row>``."""
    subject = mmlu_subject(source.path)
    items: list[Located] = []
    row_number = 0
    for line, row in source.csv_rows():
        cells = [cell.strip() for cell in row]
        if row_number == 0 and [cell.lower() for cell in cells] == [c.lower() for c in MMLU_COLUMNS]:
            continue  # an exported copy with a header row
        row_number += 1
        record = Record(source, f"line {line}", row_number, dict(zip(MMLU_COLUMNS, cells, strict=False)),
                        hint="MMLU rows are: question, A, B, C, D, answer letter (no header)")
        if len(cells) != len(MMLU_COLUMNS):
            raise record.error(f"{plural(len(cells), 'column')} but MMLU rows have {len(MMLU_COLUMNS)} "
                               f"({', '.join(MMLU_COLUMNS)})", hint="quote cells that contain commas")
        question = record.text("question")
        choices = [cells[1 + index] for index in range(4)]
        answer = record.text("answer")
        if len(answer) != 1 or answer.upper() not in "ABCD":
            raise record.error(f"field 'answer' is {quoted(answer)} but options are {letter_range(4)}",
                               field="answer", hint="the last column is the letter of the correct option")
        items.append(sample_at(record, id=f"{source.path.stem}-{row_number}", input=question, choices=choices,
                               target=[answer.upper()], tags=[subject], metadata={"subject": subject}))
    return Loaded(items)
