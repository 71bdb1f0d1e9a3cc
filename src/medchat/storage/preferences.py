"""Pairwise preferences from the chat page's compare mode: one question, two models' answers, and the verdict
(``a``, ``b``, ``tie``, ``both_bad``). An arena rates models from these; "both bad" is kept, not dropped, since it
says something about both. Free text is redacted before it is written, as conversations are."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import BaseModel
from sqlalchemy import select

from medchat.storage.db import Database, NotFoundError
from medchat.storage.schema import PreferenceRow

Winner = Literal["a", "b", "tie", "both_bad"]


class Preference(BaseModel):
    id: str
    created_at: datetime
    question: str
    language: str | None = None
    model_a: str
    answer_a: str
    model_b: str
    answer_b: str
    winner: Winner
    key_name: str | None = None


class PreferenceStore:
    def __init__(self, database: Database, *, redact: Callable[[str], str] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.redact = redact or (lambda text: text)
        self._clock = clock or (lambda: datetime.now(UTC))

    def add(self, question: str, model_a: str, answer_a: str, model_b: str, answer_b: str, winner: Winner, *,
            language: str | None = None, key_name: str | None = None) -> Preference:
        if winner not in get_args(Winner):
            raise ValueError(f"winner must be one of {', '.join(get_args(Winner))}, not {winner!r}")
        row = PreferenceRow(id=uuid.uuid4().hex, created_at=self._clock(), question=self.redact(question),
                            language=language, model_a=model_a, answer_a=self.redact(answer_a), model_b=model_b,
                            answer_b=self.redact(answer_b), winner=winner, key_name=key_name)
        with self.database.transaction() as session:
            session.add(row)
            session.flush()
            return _preference(row)

    def list(self, *, model: str | None = None, limit: int | None = 100, offset: int = 0
             ) -> builtins.list[Preference]:
        """Newest first; ``model`` keeps the battles it was in."""
        query = select(PreferenceRow).order_by(PreferenceRow.created_at.desc(), PreferenceRow.id).offset(offset)
        if model is not None:
            query = query.where((PreferenceRow.model_a == model) | (PreferenceRow.model_b == model))
        if limit is not None:
            query = query.limit(limit)
        with self.database.session() as session:
            return [_preference(row) for row in session.scalars(query)]

    def delete(self, preference_id: str) -> None:
        with self.database.transaction() as session:
            row = session.get(PreferenceRow, preference_id)
            if row is None:
                raise NotFoundError(f"preference {preference_id!r} not found", hint="list preferences for the ids")
            session.delete(row)


def _preference(row: PreferenceRow) -> Preference:
    return Preference(id=row.id, created_at=row.created_at, question=row.question, language=row.language,
                      model_a=row.model_a, answer_a=row.answer_a, model_b=row.model_b, answer_b=row.answer_b,
                      winner=row.winner, key_name=row.key_name)  # type: ignore[arg-type]
