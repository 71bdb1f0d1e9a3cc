"""Multiple-choice exam files in their published layouts: MedQA (JSONL, lettered options), MedMCQA (JSONL,
``opa``–``opd`` and ``cop``) and MMLU (header-less CSV, or the Hugging Face export as JSON lines). Each
becomes a Sample whose ``input`` is the question alone (solvers add the lettered options), ``choices`` the
options in letter order and ``target`` the correct letter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medchat.evaluation.loaders.build import (
    Loaded,
    Located,
    answer_letter,
    letter_range,
    lettered,
    lettered_options,
    sample_at,
)
from medchat.evaluation.loaders.errors import DatasetError
from medchat.evaluation.loaders.record import Record, describe, plural, quoted
from medchat.evaluation.loaders.source import CSV_SUFFIXES, JSON_SUFFIXES, Source
from medchat.evaluation.sample import LETTERS

MEDQA_HINT = 'each MedQA line needs question, options {"A": ..., "B": ...} and answer_idx (or answer)'
MEDMCQA_HINT = "each MedMCQA line needs question, opa, opb, opc, opd and cop (1 = opa … 4 = opd)"
MEDMCQA_OPTIONS = ("opa", "opb", "opc", "opd")
COP_HINT = ("cop counts from 1 (1 = opa) as published, from 0 in the Hugging Face export (--format medmcqa-hf); "
            "a file with no 4 and zeros in a tenth of its records is read as counting from 0")
MMLU_COLUMNS = ("question", "A", "B", "C", "D", "answer")
MMLU_CSV_HINT = "MMLU rows are: question, A, B, C, D, answer letter (no header)"
MMLU_JSON_HINT = "each MMLU record needs question, choices (a list of texts) and answer (0 = the first choice)"


def _same(left: str, right: str) -> bool:
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()


def load_medqa(source: Source, loaded: Loaded, *, name: str) -> None:
    for record in source.records(hint=MEDQA_HINT, skip=loaded.skip):
        with loaded.checking():
            loaded.add(_medqa_sample(record, name))


def _medqa_sample(record: Record, name: str) -> Located:
    question = record.text("question")
    choices = lettered_options(record, "options", record.mapping("options"))
    letter = _medqa_answer(record, choices)
    # Fields beyond MedQA's own (meta_info, tags, language, authority...) are kept: suites carry them.
    known = {"id", "question", "options", "answer_idx", "answer", "tags"}
    metadata: dict[str, Any] = {key: value for key, value in record.data.items() if key not in known}
    tags = record.data.get("tags") if isinstance(record.data.get("tags"), list) else []
    sample_id = record.optional_text("id") or f"{name}-{record.number}"
    return sample_at(record, id=sample_id, input=question, choices=choices, target=[letter],
                     tags=[str(t) for t in tags], metadata=metadata)


def _medqa_answer(record: Record, choices: list[str]) -> str:
    """The letter from ``answer_idx``, cross-checked against the ``answer`` text when both are given.

    ``answer`` is the option's text (which may itself be a letter: options about a figure read "A", "B",
    "C", "E"); an export that repeats the letter there instead is accepted when no option reads like it.
    """
    answer = record.optional_text("answer")
    if not record.has("answer_idx"):
        if answer is None:
            raise record.error("missing field 'answer_idx' (and no 'answer')", field="answer_idx")
        named = [index for index, choice in enumerate(choices) if _same(answer, choice)]
        return LETTERS[named[0]] if len(named) == 1 else answer_letter(record, "answer", answer, choices)
    letter = answer_letter(record, "answer_idx", record.text("answer_idx"), choices, text_ok=False)
    expected = choices[LETTERS.index(letter)]
    if answer is None or _same(answer, expected):
        return letter
    if answer.upper() == letter and not any(_same(answer, choice) for choice in choices):
        return letter
    raise record.error(f"field 'answer' is {quoted(answer)} but option {letter} (answer_idx) is {quoted(expected)}",
                       field="answer", hint="answer must repeat the text of that option")


def load_medmcqa(source: Source, loaded: Loaded, *, name: str, base: int | None = None) -> None:
    """``cop`` counts from 1 in the published files and from 0 in the Hugging Face export (its test split
    has -1: no answer key). ``base`` says which (format ``medmcqa-hf``: 0); else it is decided once, from all
    the file's values (``cop_base``), and a decision other than the plain published layout becomes a note."""
    entries: list[Record | DatasetError] = []
    for record in source.records(hint=MEDMCQA_HINT, skip=entries.append):
        entries.append(record)
    if base is None:
        cops = [value for entry in entries if isinstance(entry, Record)
                if (value := _cop_value(entry.data.get("cop"))) is not None]
        base, note = cop_base(cops)
        if note:
            loaded.notes.append(note)
    for entry in entries:
        if isinstance(entry, DatasetError):
            loaded.skip(entry)
            continue
        with loaded.checking():
            loaded.add(_medmcqa_sample(entry, name, base))
    if base == 0:
        loaded.description = "MedMCQA: cop read as counting from 0 (0 = opa), as in the Hugging Face export"


ZERO_SHARE = 0.1  # of the records with a cop of 0–4: fewer zeros than this are strays in a 1-based file
HF_FORMAT_HINT = "pass --format medmcqa-hf if it is a Hugging Face export"


def cop_base(cops: list[int]) -> tuple[int, str | None]:
    """Whether ``cop`` counts from 0 or 1, and a note for the user unless it is plainly the published layout.

    A 4 means counting from 1. Without a 4, zeros decide: in the Hugging Face export (0–3) about one record
    in four has a 0, so zeros in at least ``ZERO_SHARE`` of the records mean counting from 0, while a stray 0
    or two in a large file do not shift every answer (they are skipped as out of range). There is no minimum
    count: in a file of a few records one 0 is a tenth or more, and a small cut of the export is far more
    common than a stray 0. With neither a 0 nor a 4 the file cannot tell; it is read as published (from 1).
    """
    answers = [value for value in cops if 0 <= value <= len(MEDMCQA_OPTIONS)]
    zeros, fours = answers.count(0), answers.count(len(MEDMCQA_OPTIONS))
    if fours or not answers:
        return 1, None
    if zeros == 0:
        return 1, (f"cop could be counted from 0 or 1 (no 0 and no 4 in the file); read as 1 (the published "
                   f"layout) — {HF_FORMAT_HINT}")
    counted = f"{zeros:,} {'zero' if zeros == 1 else 'zeros'} in {len(answers):,} records"
    if zeros >= ZERO_SHARE * len(answers):
        return 0, f"cop read as counting from 0 (Hugging Face export): {counted}, no 4"
    return 1, (f"cop read as counting from 1 (the published layout): no 4, but only {counted}, too few for the "
               f"Hugging Face export; they are skipped — {HF_FORMAT_HINT}")


def _medmcqa_sample(record: Record, name: str, base: int) -> Located:
    question = record.text("question")
    choices = []
    for field in MEDMCQA_OPTIONS:
        record.get(field)  # present, even if its text is blank
        choices.append(record.optional_text(field) or "")
    letter = LETTERS[_cop(record, base) - base]
    tags = [tag for field in ("subject_name", "topic_name") if (tag := record.optional_text(field))]
    metadata: dict[str, Any] = {}
    for field, key in (("exp", "explanation"), ("choice_type", "choice_type"), ("subject_name", "subject"),
                       ("topic_name", "topic")):
        if (value := record.optional_text(field)) is not None:
            metadata[key] = value
    sample_id = record.optional_text("id") or f"{name}-{record.number}"
    return sample_at(record, id=sample_id, input=question, choices=choices, target=[letter], tags=tags,
                     metadata=metadata)


def _cop_value(value: Any) -> int | None:
    """``cop`` as a whole number (digits in text too); ``None`` for anything else."""
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cop(record: Record, base: int) -> int:
    value = _cop_value(record.get("cop"))
    if value is None:
        raise record.error(f"field 'cop' must be a whole number 1–4, got {describe(record.data['cop'])}", field="cop")
    if value == -1:
        raise record.error("field 'cop' is -1: the record has no answer key", field="cop",
                           hint="the published test split has no answers; use the train or validation split")
    first, last = base, base + len(MEDMCQA_OPTIONS) - 1
    if not first <= value <= last:
        counting = "" if base == 1 else ", as this file counts from 0"
        raise record.error(f"field 'cop' is {value} but options are {first}–{last} (opa–opd){counting}", field="cop",
                           hint=COP_HINT)
    return value


def mmlu_subject(path: Path) -> str:
    """``anatomy`` from ``anatomy_test.csv`` or ``mmlu_anatomy.csv``: the subject part of the file name."""
    stem = path.stem.removeprefix("mmlu_")
    for suffix in ("_test", "_dev", "_val", "_validation", "_train"):
        if stem.endswith(suffix):
            return stem.removesuffix(suffix)
    return stem


def is_json(source: Source) -> bool:
    """JSON (or JSON lines) rather than CSV: by the extension, else by the first character."""
    suffix = source.path.suffix.lower()
    if suffix in JSON_SUFFIXES or suffix in CSV_SUFFIXES:
        return suffix in JSON_SUFFIXES
    return source.text.lstrip()[:1] in ("{", "[")


def load_mmlu(source: Source, loaded: Loaded, *, name: str) -> None:
    """Header-less CSV rows ``question, A, B, C, D, answer`` (ids ``<file stem>-<row>``), or the Hugging Face
    export: ``{question, subject, choices, answer}`` with ``answer`` counting from 0."""
    subject = mmlu_subject(source.path)
    if is_json(source):
        for record in source.records(hint=MMLU_JSON_HINT, skip=loaded.skip):
            with loaded.checking():
                loaded.add(_mmlu_record(record, subject))
        return
    row_number = 0
    for line, row in source.csv_rows():
        cells = [cell.strip() for cell in row]
        if row_number == 0 and [cell.lower() for cell in cells] == [c.lower() for c in MMLU_COLUMNS]:
            continue  # an exported copy with a header row
        row_number += 1
        record = Record(source, f"line {line}", row_number, dict(zip(MMLU_COLUMNS, cells, strict=False)),
                        hint=MMLU_CSV_HINT)
        with loaded.checking():
            loaded.add(_mmlu_row(record, cells, subject))


def _mmlu_row(record: Record, cells: list[str], subject: str) -> Located:
    if len(cells) != len(MMLU_COLUMNS):
        raise record.error(f"{plural(len(cells), 'column')} but MMLU rows have {len(MMLU_COLUMNS)} "
                           f"({', '.join(MMLU_COLUMNS)})", hint="quote cells that contain commas")
    question = record.text("question")
    choices = [cells[1 + index] for index in range(4)]
    answer = record.text("answer")
    if len(answer) != 1 or answer.upper() not in "ABCD":
        raise record.error(f"field 'answer' is {quoted(answer)} but options are {letter_range(4)}",
                           field="answer", hint="the last column is the letter of the correct option")
    return sample_at(record, id=f"{record.source.path.stem}-{record.number}", input=question, choices=choices,
                     target=[answer.upper()], tags=[subject], metadata={"subject": subject})


def _mmlu_record(record: Record, file_subject: str) -> Located:
    question = record.text("question")
    options = record.items("choices")
    if len(options) < 2:
        raise record.error(f"field 'choices' has {plural(len(options), 'option')}, fewer than 2", field="choices")
    lettered(record, "choices", options)
    # blank options keep their place, so the letters stay those of the file
    choices = [record.as_optional_text(f"choices[{index}]", option) or "" for index, option in enumerate(options)]
    answer = record.get("answer")
    span = f"0–{len(choices) - 1}"
    if isinstance(answer, str) and len(answer.strip()) == 1 and answer.strip().upper() in LETTERS[: len(choices)]:
        letter = answer.strip().upper()
    elif isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(choices):
        letter = LETTERS[answer]
    else:
        raise record.error(f"field 'answer' is {describe(answer)} but must be a choice number {span} "
                           f"(0 = the first) or a letter {letter_range(len(choices))}", field="answer")
    subject = record.optional_text("subject") or file_subject
    sample_id = record.optional_text("id") or f"{record.source.path.stem}-{record.number}"
    return sample_at(record, id=sample_id, input=question, choices=choices, target=[letter], tags=[subject],
                     metadata={"subject": subject})
