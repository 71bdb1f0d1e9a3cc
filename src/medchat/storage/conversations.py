"""Stored conversations: create, append turns (with usage, timing, citations, trace, safety), read back.

Each method opens its own session, so one ``ConversationStore`` can be shared by threads. Content and
titles pass through the store's ``redact`` callable before they are written; everything else is
stored as the caller gives it (the caller redacts safety reports and traces as configured).
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, get_args

from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from medchat.storage.db import Database, NotFoundError
from medchat.storage.schema import ConversationRow, MessageRow, SafetyReportRow
from medchat.types import Message, Role

Json = Mapping[str, Any] | BaseModel


class StoredMessage(BaseModel):
    """One stored turn; ``safety`` is the message's safety report as it was given, if any."""

    id: int
    seq: int
    role: Role
    content: str
    created_at: datetime
    model: str | None = None
    usage: dict[str, Any] | None = None
    timing: dict[str, Any] | None = None
    citations: list[Any] = Field(default_factory=list)
    trace: dict[str, Any] | None = None
    safety: dict[str, Any] | None = None


class ConversationSummary(BaseModel):
    """A conversation without its messages, for listings."""

    id: str
    title: str | None = None
    created_at: datetime
    updated_at: datetime
    model: str | None = None
    language: str | None = None
    message_count: int = 0


class StoredConversation(BaseModel):
    """A conversation with all its messages, in order."""

    id: str
    title: str | None = None
    created_at: datetime
    updated_at: datetime
    model: str | None = None
    language: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    messages: list[StoredMessage] = Field(default_factory=list)


class StoredExchange(BaseModel):
    """Where ``store_exchange`` put a question and its answer."""

    conversation_id: str
    question_id: int
    answer_id: int


def _json(value: Any) -> Any:
    """Plain JSON values from dicts, lists and pydantic models (``Usage``, ``Timing``, reports...)."""
    return None if value is None else to_jsonable_python(value)


def _not_found(conversation_id: str) -> NotFoundError:
    return NotFoundError(f"conversation {conversation_id!r} not found",
                         hint="list the stored conversations for their ids")


class ConversationStore:
    """Conversations in a ``Database`` (migrated; see ``open_database``).

    ``redact`` is applied to message content and titles before writing; ``clock`` gives the
    timestamps (timezone-aware; UTC by default).
    """

    def __init__(self, database: Database, *, redact: Callable[[str], str] | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.redact = redact
        self._clock = clock or (lambda: datetime.now(UTC))

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError(f"the clock gave a naive datetime {now!r}: storage needs timezone-aware ones")
        return now

    def _clean(self, text: str) -> str:
        return self.redact(text) if self.redact is not None else text

    def create(self, title: str | None = None, model: str | None = None, language: str | None = None,
               meta: Json | None = None) -> str:
        """A new, empty conversation; returns its id (a uuid4 hex string)."""
        row = self._new_conversation(title, model, language, meta)
        with self.database.transaction() as session:
            session.add(row)
        return row.id

    def add_message(self, conversation_id: str, role: Role, content: str, *, model: str | None = None,
                    usage: Json | None = None, timing: Json | None = None, citations: builtins.list[Any] | None = None,
                    trace: Json | None = None, safety: Json | None = None) -> int:
        """Append a turn (redacting ``content``); returns the new message's id.

        ``safety`` is a safety report (dict or model) stored whole; its ``emergency``,
        ``emergency_categories`` (or ``categories``), ``injection_score`` and ``redactions`` (a count
        or a list) are also kept in their own columns for querying.
        """
        _check_role(role)
        with self.database.transaction() as session:
            conversation = self._conversation(session, conversation_id)
            return self._append(session, conversation, role, content, model=model, usage=usage, timing=timing,
                                citations=citations, trace=trace, safety=safety)

    def add_exchange(self, conversation_id: str | None, question: str, answer: str, *, title: str | None = None,
                     model: str | None = None, language: str | None = None, usage: Json | None = None,
                     timing: Json | None = None, citations: builtins.list[Any] | None = None,
                     trace: Json | None = None, safety: Json | None = None) -> str:
        """A user message and the assistant's answer in one transaction (half the cost of two
        ``add_message`` calls), starting a conversation titled ``title`` when ``conversation_id`` is None;
        returns the conversation id. The metadata belongs to the answer, as with ``add_message``."""
        return self.store_exchange(conversation_id, question, answer, title=title, model=model, language=language,
                                   usage=usage, timing=timing, citations=citations, trace=trace,
                                   safety=safety).conversation_id

    def store_exchange(self, conversation_id: str | None, question: str, answer: str, *, title: str | None = None,
                       model: str | None = None, language: str | None = None, usage: Json | None = None,
                       timing: Json | None = None, citations: builtins.list[Any] | None = None,
                       trace: Json | None = None, safety: Json | None = None) -> StoredExchange:
        """``add_exchange``, answering with the ids of both new messages too (the answer's id is what feedback
        on it refers to). The exchange is stored whole or not at all."""
        with self.database.transaction() as session:
            if conversation_id is None:
                conversation = self._new_conversation(title, model, language)
                session.add(conversation)
            else:
                conversation = self._conversation(session, conversation_id)
            question_id = self._append(session, conversation, "user", question)
            answer_id = self._append(session, conversation, "assistant", answer, model=model, usage=usage,
                                     timing=timing, citations=citations, trace=trace, safety=safety)
            return StoredExchange(conversation_id=conversation.id, question_id=question_id, answer_id=answer_id)

    def _new_conversation(self, title: str | None, model: str | None, language: str | None,
                          meta: Json | None = None) -> ConversationRow:
        now = self._now()
        return ConversationRow(id=uuid.uuid4().hex, created_at=now, updated_at=now,
                               title=None if title is None else self._clean(title), model=model,
                               language=language, meta=_json(meta) or {})

    def _conversation(self, session: Any, conversation_id: str) -> ConversationRow:
        conversation = session.get(ConversationRow, conversation_id)
        if conversation is None:
            raise _not_found(conversation_id)
        return conversation

    def _append(self, session: Any, conversation: ConversationRow, role: Role, content: str, *,
                model: str | None = None, usage: Json | None = None, timing: Json | None = None,
                citations: builtins.list[Any] | None = None, trace: Json | None = None,
                safety: Json | None = None) -> int:
        now = self._now()
        last = session.scalar(select(func.max(MessageRow.seq)).where(MessageRow.conversation_id == conversation.id))
        message = MessageRow(conversation_id=conversation.id, seq=0 if last is None else last + 1, role=role,
                             content=self._clean(content), created_at=now, model=model, usage=_json(usage),
                             timing=_json(timing), citations=_json(citations) or [], trace=_json(trace))
        if safety is not None:
            message.safety = _safety_row(_json(safety))
        session.add(message)
        conversation.updated_at = now
        session.flush()
        return message.id

    def get(self, conversation_id: str) -> StoredConversation:
        """The conversation with its messages in order; ``NotFoundError`` for an unknown id."""
        with self.database.session() as session:
            row = session.scalar(
                select(ConversationRow).where(ConversationRow.id == conversation_id)
                .options(selectinload(ConversationRow.messages).selectinload(MessageRow.safety))
            )
            if row is None:
                raise _not_found(conversation_id)
            messages = [
                StoredMessage(id=m.id, seq=m.seq, role=m.role, content=m.content,  # type: ignore[arg-type]
                              created_at=m.created_at, model=m.model, usage=m.usage, timing=m.timing,
                              citations=m.citations or [], trace=m.trace,
                              safety=m.safety.report if m.safety is not None else None)
                for m in row.messages
            ]
            return StoredConversation(id=row.id, title=row.title, created_at=row.created_at,
                                      updated_at=row.updated_at, model=row.model, language=row.language,
                                      meta=row.meta or {}, messages=messages)

    def list(self, limit: int = 20, offset: int = 0) -> builtins.list[ConversationSummary]:
        """Conversations, most recently active (``updated_at``) first, with their message counts."""
        counts = (select(MessageRow.conversation_id, func.count(MessageRow.id).label("n"))
                  .group_by(MessageRow.conversation_id).subquery())
        query = (select(ConversationRow, func.coalesce(counts.c.n, 0))
                 .outerjoin(counts, counts.c.conversation_id == ConversationRow.id)
                 .order_by(ConversationRow.updated_at.desc(), ConversationRow.created_at.desc(),
                           ConversationRow.id)
                 .limit(limit).offset(offset))
        with self.database.session() as session:
            return [ConversationSummary(id=row.id, title=row.title, created_at=row.created_at,
                                        updated_at=row.updated_at, model=row.model, language=row.language,
                                        message_count=count)
                    for row, count in session.execute(query)]

    def rename(self, conversation_id: str, title: str | None) -> None:
        """Give the conversation a new title (redacted; ``None`` clears it); ``NotFoundError`` if unknown."""
        with self.database.transaction() as session:
            self._conversation(session, conversation_id).title = None if title is None else self._clean(title)

    def delete(self, conversation_id: str) -> None:
        """Delete a conversation with its messages and safety reports; ``NotFoundError`` if unknown."""
        with self.database.transaction() as session:
            result = session.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise _not_found(conversation_id)

    def history(self, conversation_id: str) -> builtins.list[Message]:
        """The turns as ``Message``s (role and content, in order), for the assistant's memory."""
        with self.database.session() as session:
            if session.get(ConversationRow, conversation_id) is None:
                raise _not_found(conversation_id)
            rows = session.execute(select(MessageRow.role, MessageRow.content)
                                   .where(MessageRow.conversation_id == conversation_id)
                                   .order_by(MessageRow.seq))
            return [Message(role=role, content=content) for role, content in rows]


def _check_role(role: str) -> None:
    if role not in get_args(Role):
        raise ValueError(f"role must be one of {get_args(Role)}, not {role!r}")


def _safety_row(report: Any) -> SafetyReportRow:
    if not isinstance(report, dict):
        raise TypeError(f"safety must be a dict or a pydantic model, not {type(report).__name__}")
    categories = report.get("emergency_categories", report.get("categories")) or []
    redactions = report.get("redactions") or 0
    return SafetyReportRow(
        emergency=bool(report.get("emergency", False)),
        categories=list(categories),
        injection_score=float(report.get("injection_score") or 0.0),
        redactions=len(redactions) if isinstance(redactions, list) else int(redactions),
        report=report,
    )
