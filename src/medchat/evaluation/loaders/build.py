"""Turning checked record fields into ``Sample``s and the samples into a ``Dataset``, with errors that point
back to the record: the pieces every format shares (conversations, option letters, unique ids)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError

from medchat.evaluation.loaders.errors import DatasetError
from medchat.evaluation.loaders.record import Record, describe, quoted
from medchat.evaluation.sample import LETTERS, Dataset, Sample
from medchat.types import Message, Role

ROLES: tuple[str, ...] = get_args(Role)


@dataclass
class Located:
    """A sample and where it came from, so a duplicate id can name both places."""

    sample: Sample
    file: str
    location: str


@dataclass
class Loaded:
    """What a format loader collects: located samples, the records it skipped as invalid (each with its
    error), notes for the user on what it decided (``cop`` read as counting from 0) and a note for the
    dataset description. ``strict`` raises the first invalid record instead.

    A loader converts each record inside ``with loaded.checking():``, so whatever ``DatasetError`` the
    record raises skips that record alone, and hands ``skip`` to ``Source.records`` for lines that are not
    records at all.
    """

    strict: bool = False
    items: list[Located] = dataclasses.field(default_factory=list)
    skipped: list[DatasetError] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    description: str = ""
    _ids: dict[str, Located] = dataclasses.field(default_factory=dict, init=False, repr=False)

    @property
    def total(self) -> int:
        return len(self.items) + len(self.skipped)

    def add(self, item: Located) -> None:
        """Keep a sample, unless its id is taken (the error names both places)."""
        first = self._ids.setdefault(item.sample.id, item)
        if first is not item:
            where = first.location if first.file == item.file else f"{first.file} {first.location}"
            raise DatasetError(f"duplicate id {quoted(item.sample.id)} (first at {where})", file=item.file,
                               location=item.location, field="id",
                               hint="ids must be unique: rename or remove one of the two")
        self.items.append(item)

    def skip(self, error: DatasetError) -> None:
        if self.strict:
            raise error
        self.skipped.append(error)

    @contextmanager
    def checking(self) -> Iterator[None]:
        """Around one record: a ``DatasetError`` inside skips the record (strict: raises it)."""
        try:
            yield
        except DatasetError as error:
            self.skip(error)


def validation_field(exc: ValidationError) -> tuple[str, str]:
    """The first pydantic error as (``rubric[0].points``, "Input should be a valid number")."""
    error = exc.errors()[0]
    field = ""
    for part in error["loc"]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return field or "record", error["msg"]


def sample_at(record: Record, **fields: Any) -> Located:
    """A ``Sample`` from already checked fields; anything the model still rejects is reported at the record."""
    try:
        sample = Sample(**fields)
    except ValidationError as exc:
        field, message = validation_field(exc)
        raise record.error(f"field {field!r} is invalid: {message}", field=field) from None
    return Located(sample, record.source.label, record.location)


def messages(record: Record, label: str, value: Any) -> list[Message]:
    """A conversation from one text or a list of ``{role, content}`` objects (OpenAI chat style)."""
    if isinstance(value, str):
        if not value.strip():
            raise record.error(f"field {label!r} is empty", field=label)
        return [Message.user(value.strip())]
    if not isinstance(value, list):
        raise record.error(f"field {label!r} must be text or a list of messages, got {describe(value)}", field=label)
    if not value:
        raise record.error(f"field {label!r} is an empty list of messages", field=label)
    result = []
    for index, item in enumerate(value):
        name = f"{label}[{index}]"
        if not isinstance(item, dict):
            raise record.error(f"field {name!r} must be a {{role, content}} object, got {describe(item)}", field=name)
        role = item.get("role")
        if role not in ROLES:
            raise record.error(f"field '{name}.role' is {quoted(role)} but must be one of {', '.join(ROLES)}",
                               field=f"{name}.role")
        content = item.get("content")
        if not isinstance(content, str):
            raise record.error(f"field '{name}.content' must be text, got {describe(content)}",
                               field=f"{name}.content")
        result.append(Message(role=role, content=content))
    return result


def letter_range(count: int) -> str:
    """``A–D`` for four options."""
    return f"A–{LETTERS[count - 1]}" if count > 1 else "A"


def lettered(record: Record, field: str, choices: list[str]) -> list[str]:
    """``choices``, once there are no more than letters to name them (A–Z); more fail at the record."""
    if len(choices) > len(LETTERS):
        raise record.error(f"field {field!r} has {len(choices)} options, more than the {len(LETTERS)} letters "
                           f"{letter_range(len(LETTERS))}", field=field,
                           hint=f"each option is named by a letter: give at most {len(LETTERS)}")
    return choices


def answer_letter(record: Record, field: str, answer: str, choices: list[str], *, text_ok: bool = True) -> str:
    """The option letter ``answer`` names: a letter in range or (``text_ok``) an option's exact text."""
    letters = LETTERS[: len(choices)]
    cleaned = answer.strip()
    if len(cleaned) == 1 and cleaned.upper() in letters:
        return cleaned.upper()
    lowered = [choice.strip().casefold() for choice in choices]
    if text_ok and cleaned.casefold() in lowered:
        return LETTERS[lowered.index(cleaned.casefold())]
    span = letter_range(len(choices))
    if len(cleaned) == 1 and cleaned.upper() in LETTERS:
        raise record.error(f"field {field!r} is {quoted(cleaned)} but options are {span}", field=field,
                           hint="give the letter of one of the options")
    raise record.error(f"field {field!r} is {quoted(cleaned)}, which is none of the options {span}", field=field,
                       hint=f"give the option letter ({span})" + (" or its exact text" if text_ok else ""))


def lettered_options(record: Record, field: str, options: dict[str, Any]) -> list[str]:
    """Options given as ``{"A": ..., "B": ...}``, in letter order; the keys must be A, B, C... without gaps."""
    if not options:
        raise record.error(f"field {field!r} has no options", field=field)
    keys = sorted(options, key=lambda key: key.strip().upper())
    expected = list(LETTERS[: len(keys)])
    if [key.strip().upper() for key in keys] != expected:
        raise record.error(f"field {field!r} has keys {', '.join(keys)} but must be letters "
                           f"{', '.join(expected)}", field=field, hint="key options by letter: A, B, C...")
    return [record.as_optional_text(f"{field}.{key}", options[key]) or "" for key in keys]


WRONG_FORMAT_HINT = ("if it is another format, name it with --format (jsonl, csv, samples, medqa, medmcqa, mmlu, "
                     "pubmedqa, healthbench, medquad); for other field names use --format jsonl or csv with --map "
                     "FIELD=COLUMN")


def make_dataset(loaded: Loaded, *, name: str, source: str, format: str, detected: bool = False) -> Dataset:
    """The dataset of the valid records; the skipped ones travel with it as reasons (``line 455: ...``).

    Zero valid records fails (with the record's own error when there was one record), and so does a file
    where most records are invalid (more than half, and at least two): it was probably read as the wrong
    format, which one error saying so explains better than a thousand skipped lines.
    """
    invalid, total = len(loaded.skipped), loaded.total
    if invalid >= 2 and invalid * 2 > total:
        read_as = f"{format} (detected)" if detected else format
        raise DatasetError(f"{invalid:,} of {total:,} records are invalid when read as {read_as}, so it "
                           f"looks like the wrong format (first: {loaded.skipped[0].reason})", file=source,
                           hint=WRONG_FORMAT_HINT)
    if not loaded.items:
        if loaded.skipped:
            raise loaded.skipped[0]
        raise DatasetError("no samples in the file", file=source, hint="add at least one record")
    skipped = [error.reason if error.file == source else f"{error.file} {error.reason}" for error in loaded.skipped]
    return Dataset(name=name, samples=[item.sample for item in loaded.items], source=source,
                   description=loaded.description, skipped=skipped, notes=loaded.notes)

