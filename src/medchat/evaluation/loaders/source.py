"""Reading a data file once and handing out located records, so every later error can say where it is.

``Source`` owns one file: strict UTF-8 text, the whole JSON document, JSON lines, CSV rows or the XML
tree. A ``Record`` is one JSON object or CSV row with its place in the file (``line 7``, ``record
'123'``) and typed accessors whose errors name that place and the field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from medchat.evaluation.loaders.errors import DatasetError

_XML_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)")
_XML_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")


def describe(value: Any) -> str:
    """A JSON value's kind in words, for "must be X, got Y" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text {quoted(value, 30)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def plural(count: int, noun: str) -> str:
    """``1 column``, ``3 columns``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def quoted(value: Any, limit: int = 60) -> str:
    """A value as it appears in messages: short, one line, quoted."""
    text = " ".join(str(value).split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class Source:
    """One data file, read and decoded once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = str(path)

    def error(self, message: str, *, location: str | None = None, field: str | None = None,
              hint: str | None = None) -> DatasetError:
        return DatasetError(message, file=self.label, location=location, field=field, hint=hint)

    @cached_property
    def data(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise self.error("no such file", hint="check the path") from None
        except IsADirectoryError:
            raise self.error("is a directory, not a file", hint="give one data file") from None
        except OSError as exc:
            raise self.error(f"cannot read the file ({exc.strerror or exc})", hint="check its permissions") from None

    @cached_property
    def text(self) -> str:
        """The file as UTF-8 (a leading byte-order mark is dropped); an empty file is an error."""
        data = self.data
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            start = exc.start
            line = data.count(b"\n", 0, start) + 1
            column = start - (data.rfind(b"\n", 0, start) + 1) + 1
            raise self.error(f"not valid UTF-8 (byte 0x{data[start]:02x} at column {column})",
                             location=f"line {line}",
                             hint="save the file as UTF-8 (it may be Latin-1 or Windows-1252)") from None
        if not text.strip():
            raise self.error("the file is empty", hint="add at least one record")
        return text

    @property
    def is_json_document(self) -> bool:
        """True for one JSON document (``.json``, or another non-JSONL file opening with ``[``), else JSON lines."""
        suffix = self.path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            return False
        return suffix == ".json" or self.text.lstrip().startswith("[")

    @cached_property
    def document(self) -> Any:
        try:
            return _DECODER.decode(self.text)
        except _DuplicateKeyError as exc:
            raise self.error(f"duplicate key {quoted(exc.key)}", field=exc.key,
                             hint="each key (for PubMedQA, each id) may appear once") from None
        except json.JSONDecodeError as exc:
            raise self.error(f"invalid JSON ({exc.msg})", location=f"line {exc.lineno}, column {exc.colno}",
                             hint="check for a missing comma, bracket or quote there") from None

    def first_record(self) -> dict[str, Any] | None:
        """The first JSON object, for format detection; ``None`` when there is none or it does not parse."""
        try:
            if self.is_json_document:
                document = self.document
                if isinstance(document, list):
                    return document[0] if document and isinstance(document[0], dict) else None
                return document if isinstance(document, dict) else None
            line = next(line for line in self.text.split("\n") if line.strip())
            value = json.loads(line)
        except (DatasetError, json.JSONDecodeError, StopIteration):
            return None
        return value if isinstance(value, dict) else None

    def records(self, *, hint: str | None = None) -> Iterator[Record]:
        """JSON objects with their place: ``line N`` for JSON lines, ``record N`` for a JSON array."""
        if self.is_json_document:
            document = self.document
            if not isinstance(document, list):
                raise self.error(f"expected a list of records, got {describe(document)}",
                                 hint="write one JSON object per line (JSONL) or a JSON array of objects")
            if not document:
                raise self.error("the file has no records", hint="add at least one record")
            for number, value in enumerate(document, start=1):
                yield self._record(f"record {number}", number, value, hint)
            return
        for number, line in enumerate(self.text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                value = _DECODER.decode(line)
            except _DuplicateKeyError as exc:
                raise self.error(f"duplicate key {quoted(exc.key)}", location=f"line {number}", field=exc.key,
                                 hint="each key may appear once in a record") from None
            except json.JSONDecodeError as exc:
                raise self.error(f"invalid JSON ({exc.msg} at column {exc.colno})", location=f"line {number}",
                                 hint="each line must be one complete JSON object") from None
            yield self._record(f"line {number}", number, value, hint)

    def _record(self, location: str, number: int, value: Any, hint: str | None) -> Record:
        if not isinstance(value, dict):
            raise self.error(f"expected a JSON object, got {describe(value)}", location=location,
                             hint='each record must be one JSON object: {"field": value, ...}')
        return Record(self, location, number, value, hint)

    def csv_rows(self, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
        """Non-blank CSV rows with the line each starts on (a quoted cell may span lines)."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=delimiter)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise self.error(f"unreadable CSV ({exc})", location=f"line {start}",
                                 hint="check the quoting on that line") from None
            if any(cell.strip() for cell in row):
                yield start, row

    def xml(self) -> Any:
        """The root element; ``defusedxml`` parses it when installed, else the standard library."""
        try:
            from defusedxml.ElementTree import ParseError, fromstring  # type: ignore[import-not-found]
        except ImportError:
            from xml.etree.ElementTree import ParseError, fromstring
        from xml.parsers.expat import ErrorString

        declared = _XML_ENCODING.match(self.data)
        if declared is None or declared.group(1).lower().replace(b"_", b"-") in (b"utf-8", b"utf8"):
            _ = self.text  # UTF-8 unless declared otherwise: checked here for a message that names the line
        elif not self.data.strip():
            raise self.error("the file is empty", hint="add at least one record")
        try:
            return fromstring(self.data)
        except ParseError as exc:
            line, column = exc.position
            lines = self.data.decode("utf-8", "replace").split("\n")
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            # expat points at the tag's "<", "/" or name: look back two characters for the "<"
            tag = next((found for start in (column, column - 1, column - 2) if start >= 0
                        and (found := _XML_TAG.match(text, start))), None)
            at = f" at <{tag.group(1)}{tag.group(2)}>" if tag else ""
            column = tag.start() if tag else column
            raise self.error(f"invalid XML ({ErrorString(exc.code)}{at})", location=f"line {line}, column {column + 1}",
                             field=tag.group(2) if tag else None,
                             hint="check that every tag is closed and special characters are escaped") from None
        except ValueError as exc:  # defusedxml refuses entities and external references (ValueError subclasses)
            raise self.error(f"refused XML ({type(exc).__name__}: {exc})",
                             hint="remove DTD entities and external references") from None


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys)


@dataclass
class Record:
    """One record (a JSON object or CSV row) and where it is; accessors raise errors that name both."""

    source: Source
    location: str
    number: int
    data: dict[str, Any]
    hint: str | None = None

    def error(self, message: str, *, field: str | None = None, hint: str | None = None) -> DatasetError:
        return self.source.error(message, location=self.location, field=field, hint=hint or self.hint)

    def has(self, field: str) -> bool:
        """The field is present and neither null nor blank."""
        value = self.data.get(field)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def get(self, field: str) -> Any:
        """A required field of any type (present and not null)."""
        value = self.data.get(field)
        if value is None:
            raise self.error(f"missing field {field!r}", field=field)
        return value

    def text(self, field: str) -> str:
        """A required text (or number) field, stripped; empty text is an error."""
        return self.as_text(field, self.get(field))

    def optional_text(self, field: str) -> str | None:
        """A text (or number) field, stripped; ``None`` when absent, null or blank."""
        return self.as_optional_text(field, self.data.get(field))

    def as_text(self, label: str, value: Any) -> str:
        if value is None:
            raise self.error(f"missing field {label!r}", field=label)
        text = self.as_optional_text(label, value)
        if text is None:
            raise self.error(f"field {label!r} is empty", field=label)
        return text

    def as_optional_text(self, label: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(f"field {label!r} must be text, got {describe(value)}", field=label)
        return str(value).strip() or None

    def texts(self, field: str, *, split: str | None = None) -> list[str]:
        """A list of texts: a list, one text, or (``split``) one text cut at a separator; blanks dropped."""
        return self.as_texts(field, self.data.get(field), split=split)

    def as_texts(self, label: str, value: Any, *, split: str | None = None) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str) and split:
            return [part.strip() for part in value.split(split) if part.strip()]
        items = value if isinstance(value, list) else [value]
        texts = []
        for index, item in enumerate(items):
            name = f"{label}[{index}]" if isinstance(value, list) else label
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                kind = "a list of texts" if isinstance(value, list) else "text or a list of texts"
                raise self.error(f"field {name!r} must be {kind}, got {describe(item)}", field=name)
            if str(item).strip():
                texts.append(str(item).strip())
        return texts

    def mapping(self, field: str) -> dict[str, Any]:
        """A required object field."""
        value = self.optional_mapping(field)
        if value is None:
            raise self.error(f"missing field {field!r}", field=field)
        return value

    def optional_mapping(self, field: str) -> dict[str, Any] | None:
        value = self.data.get(field)
        if value is not None and not isinstance(value, dict):
            raise self.error(f"field {field!r} must be an object, got {describe(value)}", field=field)
        return value

    def items(self, field: str) -> list[Any]:
        """A required list field."""
        value = self.optional_items(field)
        if value is None:
            raise self.error(f"missing field {field!r}", field=field)
        return value

    def optional_items(self, field: str) -> list[Any] | None:
        value = self.data.get(field)
        if value is not None and not isinstance(value, list):
            raise self.error(f"field {field!r} must be a list, got {describe(value)}", field=field)
        return value
