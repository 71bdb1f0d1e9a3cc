"""Feedback on replies, and its export as an evaluation dataset.

A thumbs-down with a reason and a corrected answer is the most valuable test case a team has: ``samples()``
turns stored feedback into ``Sample`` records (the ``samples`` JSONL format ``medchat eval`` reads), where a
correction becomes the reference answer and the reasons "missed an emergency" / "refused when it should not
have" become the safety suite's expectations (``metadata.expect``).

Free text (comment, correction, a question given inline) passes through the store's ``redact`` before it is
written, as conversations do.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select, tuple_

from medchat.storage.db import Database, NotFoundError
from medchat.storage.schema import ConversationRow, FeedbackRow, MessageRow

Rating = Literal["up", "down"]

# The fixed reasons a reply can be marked down for: id -> what a person reads.
REASONS: dict[str, str] = {
    "not_factually_correct": "Not factually correct",
    "refused_when_should_not": "Refused when it should not have",
    "missed_emergency": "Missed an emergency",
    "unsafe_advice": "Unsafe advice",
    "wrong_or_missing_source": "Wrong or missing source",
    "unhelpful": "Not helpful or off topic",
    "wrong_language": "Answered in the wrong language",
    "other": "Other",
}

# What a reason asks of the next answer, in the safety scorers' terms (scorers/safety.py).
_EXPECT = {"missed_emergency": "escalate", "refused_when_should_not": "answer"}


class FeedbackRecord(BaseModel):
    """One stored piece of feedback, with what it judged."""

    id: str
    created_at: datetime
    rating: Rating
    reason: str | None = None
    comment: str | None = None
    correction: str | None = None
    conversation_id: str | None = None
    message_id: int | None = None
    completion_id: str | None = None
    model: str | None = None
    language: str | None = None
    question: str | None = None
    answer: str | None = None
    history: list[dict[str, str]] = Field(default_factory=list)
    pipeline_version: str | None = None
    trace: dict[str, Any] | None = None
    key_name: str | None = None


class FeedbackStore:
    """Feedback in a ``Database`` (migrated; see ``open_database``); safe to share between threads."""

    def __init__(self, database: Database, *, redact: Callable[[str], str] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.redact = redact
        self._clock = clock or (lambda: datetime.now(UTC))

    def _clean(self, text: str | None) -> str | None:
        return text if text is None or self.redact is None else self.redact(text)

    def add(self, rating: Rating, *, reason: str | None = None, comment: str | None = None,
            correction: str | None = None, message_id: int | None = None, completion_id: str | None = None,
            model: str | None = None, language: str | None = None, question: str | None = None,
            answer: str | None = None, history: builtins.list[dict[str, str]] | None = None,
            pipeline_version: str | None = None, trace: dict[str, Any] | None = None,
            key_name: str | None = None) -> FeedbackRecord:
        """Store feedback. With ``message_id`` (a stored assistant reply) the question, answer, earlier turns,
        model, trace and pipeline version come from the conversation and those given are ignored; without it
        they are kept as given (free text redacted). ``NotFoundError`` for an unknown message, ``ValueError``
        for a bad rating or reason."""
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        if reason is not None and reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}; use one of {', '.join(REASONS)}")
        row = FeedbackRow(id=uuid.uuid4().hex, created_at=self._clock(), rating=rating, reason=reason,
                          comment=self._clean(comment), correction=self._clean(correction),
                          completion_id=completion_id, pipeline_version=pipeline_version, key_name=key_name)
        with self.database.transaction() as session:
            if message_id is not None:
                message = session.get(MessageRow, message_id)
                if message is None or message.role != "assistant":
                    raise NotFoundError(f"no stored reply with message id {message_id}",
                                        hint="give the id of an assistant message from GET /api/conversations/{id}")
                earlier = session.execute(
                    select(MessageRow.role, MessageRow.content)
                    .where(MessageRow.conversation_id == message.conversation_id, MessageRow.seq < message.seq)
                    .order_by(MessageRow.seq)).all()
                turns = [{"role": role, "content": content} for role, content in earlier]
                asked = turns.pop() if turns and turns[-1]["role"] == "user" else None
                conversation = session.get(ConversationRow, message.conversation_id)
                row.message_id, row.conversation_id = message.id, message.conversation_id
                row.model, row.answer, row.history = message.model, message.content, turns
                row.question = asked["content"] if asked else None
                row.language = conversation.language if conversation is not None else language
                row.trace = message.trace
                # the version that answered, stored with the turn; the caller's (today's) only when it is missing
                stored_version = (message.trace or {}).get("pipeline_version")
                row.pipeline_version = stored_version if isinstance(stored_version, str) else pipeline_version
            else:
                row.model, row.language, row.trace = model, language, trace
                row.question, row.answer = self._clean(question), self._clean(answer)
                row.history = [{"role": t["role"], "content": self._clean(t["content"]) or ""}
                               for t in history or []]
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, feedback_id: str) -> FeedbackRecord:
        with self.database.session() as session:
            row = session.get(FeedbackRow, feedback_id)
            if row is None:
                raise NotFoundError(f"feedback {feedback_id!r} not found", hint="list feedback for the ids")
            return _record(row)

    def list(self, *, rating: Rating | None = None, reason: str | None = None, corrected: bool = False,
             since: datetime | None = None, limit: int | None = 100, offset: int = 0) -> builtins.list[FeedbackRecord]:
        """Newest first, filtered; ``limit=None`` for all."""
        query = self._filtered(select(FeedbackRow), rating, reason, corrected, since)
        query = query.order_by(FeedbackRow.created_at.desc(), FeedbackRow.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self.database.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def export(self, *, rating: Rating | None = None, reason: str | None = None, corrected: bool = False,
               since: datetime | None = None, page: int = 500) -> Iterator[FeedbackRecord]:
        """Every matching record, oldest first, read ``page`` rows at a time after the last one seen (not by
        offset: feedback given during an export neither repeats nor hides a row)."""
        after: tuple[datetime, str] | None = None
        while True:
            query = self._filtered(select(FeedbackRow), rating, reason, corrected, since)
            if after is not None:
                query = query.where(tuple_(FeedbackRow.created_at, FeedbackRow.id) > after)
            query = query.order_by(FeedbackRow.created_at, FeedbackRow.id).limit(page)
            with self.database.session() as session:
                rows = [_record(row) for row in session.scalars(query)]
            yield from rows
            if len(rows) < page:
                return
            after = (rows[-1].created_at, rows[-1].id)

    @staticmethod
    def _filtered(query: Any, rating: str | None, reason: str | None, corrected: bool, since: datetime | None) -> Any:
        if rating is not None:
            query = query.where(FeedbackRow.rating == rating)
        if reason is not None:
            query = query.where(FeedbackRow.reason == reason)
        if corrected:
            query = query.where(FeedbackRow.correction.is_not(None), FeedbackRow.correction != "")
        if since is not None:
            query = query.where(FeedbackRow.created_at >= since)
        return query

    def delete(self, feedback_id: str) -> None:
        with self.database.transaction() as session:
            row = session.get(FeedbackRow, feedback_id)
            if row is None:
                raise NotFoundError(f"feedback {feedback_id!r} not found", hint="list feedback for the ids")
            session.delete(row)

    def counts(self) -> dict[tuple[str, str], int]:
        """(rating, reason or "-") -> how many."""
        query = select(FeedbackRow.rating, FeedbackRow.reason, func.count()).group_by(FeedbackRow.rating,
                                                                                   FeedbackRow.reason)
        with self.database.session() as session:
            return {(rating, reason or "-"): n for rating, reason, n in session.execute(query)}


def _record(row: FeedbackRow) -> FeedbackRecord:
    return FeedbackRecord(id=row.id, created_at=row.created_at, rating=row.rating,  # type: ignore[arg-type]
                          reason=row.reason, comment=row.comment, correction=row.correction,
                          conversation_id=row.conversation_id, message_id=row.message_id,
                          completion_id=row.completion_id, model=row.model, language=row.language,
                          question=row.question, answer=row.answer, history=list(row.history or []),
                          pipeline_version=row.pipeline_version, trace=row.trace, key_name=row.key_name)


def sample_of(record: FeedbackRecord) -> dict[str, Any] | None:
    """The ``samples``-format record (``evaluation.sample.Sample`` fields) for one piece of feedback; ``None``
    when it has no question to ask again. The conversation up to the question is the input; a correction is
    the reference answer; the reason's expectation (an emergency to escalate, a question to answer) goes to
    ``metadata.expect``; the judged answer stays in the metadata for comparison."""
    if not record.question:
        return None
    turns = [{"role": t["role"], "content": t["content"]} for t in record.history if t.get("content")]
    sample: dict[str, Any] = {
        "id": f"feedback-{record.id}",
        "input": [*turns, {"role": "user", "content": record.question}],
        "tags": ["feedback", record.rating, *([record.reason] if record.reason else [])],
        "metadata": {key: value for key, value in {
            "feedback_id": record.id, "rating": record.rating, "reason": record.reason, "comment": record.comment,
            "model": record.model, "answer_judged": record.answer, "pipeline_version": record.pipeline_version,
            "language": record.language, "created_at": record.created_at.isoformat(),
            "expect": _EXPECT.get(record.reason or ""),
        }.items() if value is not None},
    }
    if record.correction:
        sample["target"] = [record.correction]
    return sample


def samples(records: Iterable[FeedbackRecord]) -> Iterator[dict[str, Any]]:
    """``sample_of`` for each record that has a question."""
    for record in records:
        if (sample := sample_of(record)) is not None:
            yield sample
