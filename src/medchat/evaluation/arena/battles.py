"""Battles in the public Chatbot-Arena JSONL format: read (streaming, line by line), write, and made from the chat
page's compare-mode preferences.

One line is one battle: ``{"model_a": .., "model_b": .., "winner": "model_a"|"model_b"|"tie"|"tie (bothbad)"}``,
optionally ``judge``, ``question_id``, ``turn``, and our own ``length_a``/``length_b`` (the answers' lengths in
characters, for the length-bias check) and ``metadata``. Other fields of the public dumps (``conversation_a``,
``tstamp``...) are ignored, so those files read as they are. A bad line stops the read with one line naming
``file:line`` and the field, since a silently skipped battle changes every rating.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from medchat.evaluation.loaders.errors import DatasetError

if TYPE_CHECKING:
    from medchat.storage.preferences import Preference

Winner = Literal["model_a", "model_b", "tie", "tie (bothbad)"]
WINNERS: tuple[str, ...] = get_args(Winner)
# the chat page's compare-mode verdicts (storage.preferences.Winner) under their public names
PREFERENCE_WINNERS: dict[str, Winner] = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}
_HINT = "each line is a JSON object with model_a, model_b and winner"


class Battle(BaseModel):
    """One comparison of two models' answers to the same question, and who won it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    model_a: str = Field(min_length=1)
    model_b: str = Field(min_length=1)
    winner: Winner
    judge: str | None = None
    question_id: str | int | None = None
    turn: int | None = None
    length_a: int | None = Field(default=None, ge=0)
    length_b: int | None = Field(default=None, ge=0)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _two_models(self) -> Battle:
        if self.model_a == self.model_b:
            raise ValueError(f"model_a and model_b are both {self.model_a!r}: a model cannot battle itself")
        return self


class BattleError(DatasetError):
    """A battle file that cannot be read; the message starts with ``file:line``."""

    def __init__(self, message: str, *, file: str, line: int | None = None, field: str | None = None,
                 hint: str | None = _HINT) -> None:
        super().__init__(message, hint=hint, file=f"{file}:{line}" if line is not None else file, field=field)
        self.line = line


def read_battles(path: str | Path) -> Iterator[Battle]:
    """Battles from one JSONL file, one at a time (a 1.6 M-line file never sits in memory); blank lines are
    skipped, the first bad line raises ``BattleError``."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise BattleError("no such file", file=str(path), hint="check the path") from None
    except OSError as exc:
        raise BattleError(f"cannot read it ({exc.strerror or exc})", file=str(path), hint=None) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise BattleError("is not UTF-8 text", file=str(path), line=number,
                                  hint="save the file as UTF-8") from None
            if line.strip():
                yield _parse(line, str(path), number)


def read_all(paths: Iterable[str | Path]) -> Iterator[Battle]:
    """Battles from several files, in order."""
    for path in paths:
        yield from read_battles(path)


def _parse(line: str, file: str, number: int) -> Battle:
    try:  # pydantic's own JSON parser: half the cost of json.loads + validate, which only a bad line pays
        return Battle.model_validate_json(line)
    except ValidationError:
        pass
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BattleError(f"not valid JSON ({exc.msg} at column {exc.colno})", file=file, line=number) from None
    if not isinstance(record, dict):
        raise BattleError(f"a JSON {type(record).__name__}, not an object", file=file, line=number)
    try:
        return Battle.model_validate(record)
    except ValidationError as exc:
        raise _field_error(exc, record, file, number) from None


def _field_error(exc: ValidationError, record: dict[str, Any], file: str, number: int) -> BattleError:
    """The first problem, in words: which field, what it holds, what it must be."""
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error["loc"]) or None
    if error["type"] == "missing":
        return BattleError(f"field {field!r} is missing", file=file, line=number, field=field)
    if field == "winner":
        return BattleError(f"field 'winner' is {record.get('winner')!r}, not one of " + ", ".join(WINNERS),
                           file=file, line=number, field=field)
    if field is None:  # the model validator: a self-battle
        return BattleError(str(error["msg"]).removeprefix("Value error, "), file=file, line=number)
    value = record.get(str(error["loc"][0]))
    return BattleError(f"field {field!r} is {value!r}: {error['msg'].lower()}", file=file, line=number, field=field)


def write_battles(battles: Iterable[Battle], path: str | Path) -> int:
    """Write battles as JSONL (fields that are unset are left out); returns how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for battle in battles:
            handle.write(battle.model_dump_json(exclude_defaults=True) + "\n")
            count += 1
    return count


def from_preference(preference: Preference) -> Battle:
    """A stored compare-mode verdict as a battle: ``a``/``b``/``tie``/``both_bad`` become the public names, the
    answers' lengths are kept for the length-bias check; the judge is ``human``; the preference's id, language,
    API key name and time go in ``metadata``."""
    return Battle(model_a=preference.model_a, model_b=preference.model_b,
                  winner=PREFERENCE_WINNERS[preference.winner], length_a=len(preference.answer_a),
                  length_b=len(preference.answer_b), judge="human",
                  metadata={"preference_id": preference.id, "language": preference.language,
                            "key_name": preference.key_name, "created_at": preference.created_at.isoformat()})
