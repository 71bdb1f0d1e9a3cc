"""Telling a file's format from its extension and its first record, so ``load_dataset(path)`` needs no flags
for the published layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medchat.evaluation.loaders.errors import DatasetError
from medchat.evaluation.loaders.generic import DEFAULT_COLUMNS
from medchat.evaluation.loaders.multiple_choice import MEDMCQA_OPTIONS, MMLU_COLUMNS
from medchat.evaluation.loaders.source import CSV_SUFFIXES, JSON_SUFFIXES, Source
from medchat.evaluation.sample import Sample

_KNOWN_COLUMNS = {name.lower() for names in DEFAULT_COLUMNS.values() for name in names}
HINT = "pass format= (jsonl, csv, medqa, medmcqa, mmlu, pubmedqa, healthbench, medquad or samples)"


def record_format(record: dict[str, Any]) -> str:
    """The JSON format whose fields the record carries; ``jsonl`` (generic) when none fits."""
    keys = set(record)
    if isinstance(record.get("prompt"), list) and "rubrics" in keys:
        return "healthbench"
    if set(MEDMCQA_OPTIONS) <= keys:
        return "medmcqa"
    if isinstance(record.get("options"), dict) and keys & {"answer_idx", "answer"}:
        return "medqa"
    answer = record.get("answer")
    if isinstance(record.get("choices"), list) and "subject" in keys and isinstance(answer, int) \
            and not isinstance(answer, bool):
        return "mmlu"  # the Hugging Face export: answer counts choices from 0
    if "final_decision" in keys and keys & {"QUESTION", "question"}:
        return "pubmedqa"
    if {"id", "input"} <= keys and keys <= set(Sample.model_fields):
        return "samples"
    return "jsonl"


def _looks_like_mmlu(source: Source) -> bool:
    """Six cells, the last an answer letter, none a column name: a header-less MMLU row."""
    first = next(source.csv_rows(), None)
    if first is None:
        return False
    cells = [cell.strip() for cell in first[1]]
    if [cell.lower() for cell in cells] == [name.lower() for name in MMLU_COLUMNS]:
        return True
    return (len(cells) == len(MMLU_COLUMNS) and cells[-1].upper() in ("A", "B", "C", "D")
            and not any(cell.lower() in _KNOWN_COLUMNS for cell in cells))


def detect_format(path: Path, source: Source | None = None, *, generic: bool = False) -> str:
    """The format name for ``path``; ``generic`` (a column mapping was given) limits it to jsonl or csv."""
    if path.is_dir():
        if generic:
            raise DatasetError("is a directory; a column mapping needs one JSONL or CSV file", file=str(path),
                               hint="give a file")
        return "medquad"
    source = source or Source(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv" if generic or not _looks_like_mmlu(source) else "mmlu"
    if suffix == ".xml":
        return "medquad"
    if suffix not in JSON_SUFFIXES:
        first = source.text.lstrip()[:1]
        if first == "<" and not generic:
            return "medquad"
        if first not in ("{", "["):
            raise source.error(f"cannot tell the format of a {suffix or 'suffix-less'} file", hint=HINT)
    if generic:
        return "jsonl"
    if source.is_json_document and isinstance(source.document, dict):
        values = list(source.document.values())
        if values and isinstance(values[0], dict) and {"QUESTION", "final_decision"} & set(values[0]):
            return "pubmedqa"
        if (alone := record_format(source.document)) != "jsonl":
            return alone  # one record of a line-based format (a JSON-lines export cut to its first line)
        raise source.error("one JSON object that is not PubMedQA (an object of records keyed by id)",
                           hint="write one JSON object per line (JSONL), a JSON array of them, or " + HINT)
    record = source.first_record()
    return record_format(record) if record is not None else "jsonl"
