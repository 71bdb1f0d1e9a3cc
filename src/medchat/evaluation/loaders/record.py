"""One record (a JSON object or CSV row) with its place in the file (``line 7``, ``record '123'``), and typed
accessors whose errors name that place and the field; with the words those messages share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medchat.evaluation.loaders.errors import DatasetError

if TYPE_CHECKING:
    from medchat.evaluation.loaders.source import Source


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
