"""Any JSONL or CSV file whose columns can be mapped onto ``Sample`` fields, and JSONL already written in
our own ``Sample`` schema (``samples``).

A mapping goes from Sample field to the file's column: ``{"input": "Frage", "target": "Antwort",
"metadata.source": "Quelle"}``. Fields left out fall back to common column names (``question``,
``answer``, ``choices``...); columns nobody claimed are kept in ``metadata``. In CSV cells, lists
(choices, several references, tags, contexts) are ``|``-separated, and choices may also sit in letter
columns ``A``, ``B``, ``C``... A record without an id gets ``<dataset name>-<line>``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from medchat.evaluation.loaders.build import (
    Loaded,
    Located,
    answer_letter,
    lettered,
    lettered_options,
    messages,
    sample_at,
)
from medchat.evaluation.loaders.record import Record, describe, plural
from medchat.evaluation.loaders.source import Source
from medchat.evaluation.sample import LETTERS, Sample

FIELDS = ("id", "input", "target", "choices", "context", "tags", "output", "rubric")
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "qid", "question_id", "sample_id", "uid"),
    "input": ("question", "input", "prompt", "query", "messages"),
    "target": ("answer", "target", "reference", "references", "ideal", "expected", "expected_answer", "label"),
    "choices": ("choices", "options"),
    "context": ("context", "contexts", "passages"),
    "tags": ("tags", "tag", "category"),
    "output": ("output",),
    "rubric": ("rubric", "rubrics"),
}
LIST_SEPARATOR = "|"
MAPPING_HINT = "name the file's columns with mapping={'input': '<question column>', 'target': '<answer column>'}"
SAMPLES_HINT = f"each line is one Sample: {', '.join(Sample.model_fields)}"

Columns = dict[str, str | tuple[str, ...]]


def check_mapping(source: Source, mapping: Mapping[str, str] | None) -> dict[str, str]:
    """The user's mapping, once every key is a Sample field (or ``metadata.<name>``) and every value a name."""
    checked: dict[str, str] = {}
    for key, column in (mapping or {}).items():
        if key not in FIELDS and not (key.startswith("metadata.") and len(key) > len("metadata.")):
            raise source.error(f"mapping key {key!r} is not a Sample field", field=key,
                               hint=f"use {', '.join(FIELDS)} or metadata.<name>")
        if not isinstance(column, str) or not column.strip():
            raise source.error(f"mapping {key!r} must name a column, got {describe(column)}", field=key,
                               hint="map each Sample field to the name of a column")
        checked[key] = column.strip()
    return checked


def pick_columns(available: Collection[str], mapping: dict[str, str]) -> Columns:
    """Which column feeds each Sample field: the mapping first, then the first common name present."""
    picked: Columns = {}
    for key, column in mapping.items():
        if key == "choices" and column not in available and "," in column:
            picked[key] = tuple(part.strip() for part in column.split(",") if part.strip())
        else:
            picked[key] = column
    used = {name for value in picked.values() for name in ((value,) if isinstance(value, str) else value)}
    for key, candidates in DEFAULT_COLUMNS.items():
        if key in picked:
            continue
        found = next((name for name in candidates if name in available and name not in used), None)
        if found is None and key == "choices":
            letters = []
            for letter in LETTERS:
                if letter not in available or letter in used:
                    break
                letters.append(letter)
            if len(letters) >= 2:
                picked[key] = tuple(letters)
                used.update(letters)
            continue
        if found is not None:
            picked[key] = found
            used.add(found)
    return picked


def _choices(record: Record, column: str | tuple[str, ...], split: str | None) -> list[str]:
    if isinstance(column, tuple):
        values = [record.optional_text(name) for name in column]
        while values and values[-1] is None:
            values.pop()  # fewer options than letter columns
        if None in values:
            empty = column[values.index(None)]
            raise record.error(f"field {empty!r} is empty but later options are not", field=empty)
        return [value for value in values if value is not None]
    value = record.data.get(column)
    if isinstance(value, dict):
        return lettered_options(record, column, value)
    return lettered(record, column, record.as_texts(column, value, split=split))


def convert(record: Record, columns: Columns, *, name: str, split: str | None) -> Located:
    """One record as a Sample, reading each field from its column."""
    input_column = columns.get("input")
    if not isinstance(input_column, str):
        raise record.error("missing the question: no field named " + ", ".join(DEFAULT_COLUMNS["input"]),
                           field="input", hint=MAPPING_HINT)
    conversation = messages(record, input_column, record.get(input_column))
    choices = _choices(record, columns["choices"], split) if "choices" in columns else []
    target: list[str] = []
    if isinstance(target_column := columns.get("target"), str):
        target = record.texts(target_column, split=split)
        if choices:
            target = [answer_letter(record, target_column, answer, choices) for answer in target]

    def texts(key: str) -> list[str]:
        column = columns.get(key)
        return record.texts(column, split=split) if isinstance(column, str) else []

    fields: dict[str, Any] = {"input": conversation, "target": target, "choices": choices,
                              "context": texts("context"), "tags": texts("tags")}
    if isinstance(id_column := columns.get("id"), str):
        fields["id"] = record.optional_text(id_column)
    fields["id"] = fields.get("id") or f"{name}-{record.number}"
    if isinstance(output_column := columns.get("output"), str):
        fields["output"] = record.optional_text(output_column)
    if isinstance(rubric_column := columns.get("rubric"), str) and record.has(rubric_column):
        fields["rubric"] = record.data[rubric_column]
    fields["metadata"] = _metadata(record, columns)
    return sample_at(record, **fields)


def _metadata(record: Record, columns: Columns) -> dict[str, Any]:
    used = {name for value in columns.values() for name in ((value,) if isinstance(value, str) else value)}
    metadata: dict[str, Any] = {}
    for column, value in record.data.items():
        if column in used or value is None or value == "":
            continue
        if column == "metadata" and isinstance(value, dict):
            metadata.update(value)
        else:
            metadata[column] = value
    for key, column in columns.items():
        if key.startswith("metadata.") and isinstance(column, str) and record.has(column):
            metadata[key.removeprefix("metadata.")] = record.data[column]
    return metadata


def _mapped_columns(mapping: dict[str, str], columns: Columns) -> list[tuple[str, str]]:
    pairs = []
    for key in mapping:
        value = columns.get(key, mapping[key])
        pairs.extend((key, name) for name in ((value,) if isinstance(value, str) else value))
    return pairs


def load_jsonl(source: Source, loaded: Loaded, *, name: str, mapping: Mapping[str, str] | None = None) -> None:
    checked = check_mapping(source, mapping)
    seen: set[str] = set()
    for record in source.records(hint=MAPPING_HINT, skip=loaded.skip):
        seen.update(record.data)
        columns = pick_columns(record.data.keys(), checked)
        with loaded.checking():
            loaded.add(convert(record, columns, name=name, split=None))
    for key, column in _mapped_columns(checked, pick_columns(seen, checked)):
        if column not in seen:
            raise source.error(f"mapping {key} → {column!r} but no record has a field {column!r}", field=column,
                               hint="check the spelling of the column name")


def load_csv(source: Source, loaded: Loaded, *, name: str, mapping: Mapping[str, str] | None = None) -> None:
    checked = check_mapping(source, mapping)
    delimiter = "\t" if source.path.suffix.lower() in (".tsv", ".tab") else ","
    rows = source.csv_rows(delimiter=delimiter)
    first = next(rows, None)
    if first is None:
        raise source.error("the file is empty", hint="add a header row and at least one row of data")
    header_line, header = first
    header = [cell.strip() for cell in header]
    where = f"line {header_line}"
    for index, column in enumerate(header):
        if not column:
            raise source.error(f"column {index + 1} of the header has no name", location=where,
                               hint="the first row must name every column")
        if column in header[:index]:
            raise source.error(f"column {column!r} appears twice in the header", location=where, field=column,
                               hint="give every column its own name")
    columns = pick_columns(header, checked)
    for key, column in _mapped_columns(checked, columns):
        if column not in header:
            raise source.error(f"mapping {key} → {column!r} but the header has no column {column!r} "
                               f"(columns: {', '.join(header)})", location=where, field=column,
                               hint="check the spelling of the column name")
    if "input" not in columns:
        raise source.error(f"no question column (columns: {', '.join(header)})", location=where, field="input",
                           hint=MAPPING_HINT)
    for line, row in rows:
        with loaded.checking():
            if len(row) != len(header):
                raise source.error(f"{plural(len(row), 'column')} but the header has {len(header)} "
                                   f"({', '.join(header)})", location=f"line {line}",
                                   hint="quote cells that contain the delimiter")
            data = {column: (cell if cell.strip() else None) for column, cell in zip(header, row, strict=True)}
            record = Record(source, f"line {line}", line, data, hint=MAPPING_HINT)
            loaded.add(convert(record, columns, name=name, split=LIST_SEPARATOR))
    if not loaded.total:
        raise source.error("the file has a header but no rows", hint="add at least one row under the header")


def load_samples(source: Source, loaded: Loaded, *, name: str) -> None:
    """JSONL (or a JSON array) in our own Sample schema, checked field by field."""
    for record in source.records(hint=SAMPLES_HINT, skip=loaded.skip):
        with loaded.checking():
            loaded.add(_sample(record, name))


def _sample(record: Record, name: str) -> Located:
    unknown = [key for key in record.data if key not in Sample.model_fields]
    if unknown:
        raise record.error(f"unknown field {unknown[0]!r} for the Sample schema", field=unknown[0])
    data = dict(record.data)
    sample_id = record.optional_text("id")
    data["id"] = sample_id or f"{name}-{record.number}"
    data["input"] = messages(record, "input", record.get("input"))
    choices = lettered(record, "choices", record.texts("choices"))
    for answer in record.texts("target") if choices else []:
        answer_letter(record, "target", answer, choices)
    return sample_at(record, **data)
