"""Turning checked record fields into ``Sample``s and the samples into a ``Dataset``, with errors that point
back to the record: the pieces every format shares (conversations, option letters, unique ids)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from pydantic import ValidationError

from medchat.evaluation.loaders.errors import DatasetError
from medchat.evaluation.loaders.source import Record, describe, quoted
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
    """What a format loader returns: located samples and a note for the dataset description."""

    items: list[Located]
    description: str = ""


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


def make_dataset(loaded: Loaded, *, name: str, source: str) -> Dataset:
    """The dataset, once every id is known to be unique (the error names both places of a duplicate)."""
    if not loaded.items:
        raise DatasetError("no samples in the file", file=source, hint="add at least one record")
    seen: dict[str, Located] = {}
    for item in loaded.items:
        first = seen.setdefault(item.sample.id, item)
        if first is not item:
            where = first.location if first.file == item.file else f"{first.file} {first.location}"
            raise DatasetError(f"duplicate id {quoted(item.sample.id)} (first at {where})", file=item.file,
                               location=item.location, field="id",
                               hint="ids must be unique: rename or remove one of the two")
    return Dataset(name=name, samples=[item.sample for item in loaded.items], source=source,
                   description=loaded.description)
