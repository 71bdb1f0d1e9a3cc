"""Reading a data file once and handing out located records, so every later error can say where it is.

``Source`` owns one file: strict UTF-8 text, the whole JSON document, JSON lines, CSV rows or the XML
tree. It hands out ``Record``s (``record.py``): one JSON object or CSV row with its place in the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from medchat.evaluation.loaders.errors import DatasetError
from medchat.evaluation.loaders.record import Record, describe, quoted

CSV_SUFFIXES = (".csv", ".tsv", ".tab")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
DETECT_LINES = 20  # records looked at to find the first JSON object when guessing a format
# A cell may hold 64 MB (the csv module's default, 128 kB, refuses long published items); a row may span
# MAX_ROW_LINES lines. Past either, a quote was almost surely left open and the rest of the file swallowed.
CSV_FIELD_LIMIT = 64 * 2**20
MAX_ROW_LINES = 1_000
UNCLOSED_QUOTE_HINT = 'close the quote, or write a quote that is part of the text as two ("")'
_OPENS_ARRAY = re.compile(r"\s*\[")
_XML_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)")
_XML_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)""")


Skip = Callable[[DatasetError], None]


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

    @cached_property
    def is_json_document(self) -> bool:
        """True for one JSON document (``.json``, or another non-JSONL file opening with ``[``), else JSON lines.

        A ``.json`` file whose first two lines are each an object holds JSON lines: the Hugging Face
        ``to_json`` export writes them under that name.
        """
        suffix = self.path.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            return False
        if _OPENS_ARRAY.match(self.text):
            return True
        return suffix == ".json" and not self._holds_json_lines()

    def _holds_json_lines(self) -> bool:
        lines = (line for _, line in self.lines() if line.strip())
        first, second = next(lines, ""), next(lines, "")
        if not second.lstrip().startswith("{"):
            return False
        try:
            return isinstance(json.loads(first), dict)
        except json.JSONDecodeError:
            return False

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
                    return next((value for value in document[:DETECT_LINES] if isinstance(value, dict)), None)
                return document if isinstance(document, dict) else None
        except DatasetError:
            return None
        # the first of the opening lines that is a JSON object: one broken line does not hide the format
        opening = (line for _, line in self.lines() if line.strip())
        for line in itertools.islice(opening, DETECT_LINES):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
        return None

    def lines(self) -> Iterator[tuple[int, str]]:
        """Each line with its number, cut from the text one at a time (no list of every line)."""
        text = self.text
        number, start = 0, 0
        while start <= len(text):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            number += 1
            yield number, text[start:end]
            start = end + 1

    def records(self, *, hint: str | None = None, skip: Skip | None = None) -> Iterator[Record]:
        """JSON objects with their place: ``line N`` for JSON lines, ``record N`` for a JSON array.

        One JSON object alone is record 1: a JSON-lines file of one line named ``.json`` (the Hugging Face
        ``to_json`` export cut with ``head -1``) reads as a document. A line that is not a JSON object is
        handed to ``skip`` (which may raise it) and reading goes on; without ``skip`` it is raised.
        """
        if self.is_json_document:
            document = self.document
            if isinstance(document, dict):
                yield Record(self, "record 1", 1, document, hint)
                return
            if not isinstance(document, list):
                raise self.error(f"expected a list of records, got {describe(document)}",
                                 hint="write one JSON object per line (JSONL) or a JSON array of objects")
            if not document:
                raise self.error("the file has no records", hint="add at least one record")
            for number, value in enumerate(document, start=1):
                if (record := self._record(f"record {number}", number, value, hint, skip)) is not None:
                    yield record
            return
        for number, line in self.lines():
            if not line.strip():
                continue
            location = f"line {number}"
            try:
                value = _DECODER.decode(line)
            except _DuplicateKeyError as exc:
                _reject(self.error(f"duplicate key {quoted(exc.key)}", location=location, field=exc.key,
                                   hint="each key may appear once in a record"), skip)
                continue
            except json.JSONDecodeError as exc:
                _reject(self.error(f"invalid JSON ({exc.msg} at column {exc.colno})", location=location,
                                   hint="each line must be one complete JSON object"), skip)
                continue
            if (record := self._record(location, number, value, hint, skip)) is not None:
                yield record

    def _record(self, location: str, number: int, value: Any, hint: str | None, skip: Skip | None) -> Record | None:
        if not isinstance(value, dict):
            _reject(self.error(f"expected a JSON object, got {describe(value)}", location=location,
                               hint='each record must be one JSON object: {"field": value, ...}'), skip)
            return None
        return Record(self, location, number, value, hint)

    def csv_rows(self, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
        """Non-blank CSV rows with the line each starts on (a quoted cell may span lines).

        A quote left open fails the file, never just its row: the csv module reads on from it, to the end of
        the file or the next stray quote, as one cell, and every record in between would silently vanish. So
        a row that ends the file inside a quote, spans more than ``MAX_ROW_LINES`` lines or holds a cell over
        ``CSV_FIELD_LIMIT`` is an "unclosed quote starting at line N".
        """
        last = sum(1 for _ in io.StringIO(self.text, newline=""))  # physical lines, counted as the reader does
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=delimiter)
        while True:
            start = reader.line_num + 1
            try:
                with _csv_field_limit():
                    row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise self._unclosed_quote(start, f"a cell there is longer than {CSV_FIELD_LIMIT // 2**20} MB") \
                        from None
                raise self.error(f"unreadable CSV ({exc})", location=f"line {start}",
                                 hint="check the quoting on that line") from None
            end = reader.line_num
            if end - start >= MAX_ROW_LINES:
                raise self._unclosed_quote(start, f"its row runs on for {end - start + 1:,} lines, to line {end}")
            if end == last and self._ends_inside_quote(start, delimiter):
                raise self._unclosed_quote(start, f"its cell runs to the end of the file, line {end}")
            if any(cell.strip() for cell in row):
                yield start, row

    def _ends_inside_quote(self, start: int, delimiter: str) -> bool:
        """The text from line ``start`` on ends inside a quoted cell (read strictly, which says so)."""
        tail = "".join(itertools.islice(io.StringIO(self.text, newline=""), start - 1, None))
        try:
            with _csv_field_limit():
                for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True):
                    pass
        except csv.Error as exc:
            return str(exc) == "unexpected end of data"  # CPython's words for the end of the file inside quotes
        return False

    def _unclosed_quote(self, line: int, detail: str) -> DatasetError:
        return self.error(f"unclosed quote starting at line {line} ({detail})", hint=UNCLOSED_QUOTE_HINT)

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


@contextmanager
def _csv_field_limit() -> Iterator[None]:
    """``CSV_FIELD_LIMIT`` for one read: the csv module's limit is process-wide, so it is put back after."""
    previous = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _reject(error: DatasetError, skip: Skip | None) -> None:
    if skip is None:
        raise error
    skip(error)


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
