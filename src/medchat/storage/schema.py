"""The tables, as typed SQLAlchemy 2 ORM classes.

Every change here needs a new migration in ``migrations/versions`` (a test compares the migrated schema
with this metadata). Constraints and indexes are named by ``NAMING_CONVENTION`` so that later
migrations can drop or alter them on SQLite (batch mode recreates tables and needs the names).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC ``datetime`` on every backend.

    SQLite keeps no offset, so values are converted to UTC before writing and come back marked UTC;
    naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: storage needs timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}  # noqa: RUF012


class ConversationRow(Base):
    """One conversation; ``updated_at`` moves with each message."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)

    messages: Mapped[list[MessageRow]] = relationship(
        back_populates="conversation", order_by="MessageRow.seq", cascade="all, delete-orphan", passive_deletes=True
    )


class MessageRow(Base):
    """One turn; ``seq`` orders the turns of a conversation (0, 1, 2...). ``content`` is stored as given
    (the store applies its ``redact`` callable first)."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    model: Mapped[str | None] = mapped_column(String(200))
    usage: Mapped[dict[str, Any] | None] = mapped_column()
    timing: Mapped[dict[str, Any] | None] = mapped_column()
    citations: Mapped[list[Any]] = mapped_column(default=list)
    trace: Mapped[dict[str, Any] | None] = mapped_column()

    conversation: Mapped[ConversationRow] = relationship(back_populates="messages")
    safety: Mapped[SafetyReportRow | None] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )


class SafetyReportRow(Base):
    """The safety report of one message: the fields worth querying, plus the whole report as JSON."""

    __tablename__ = "safety_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    injection_score: Mapped[float] = mapped_column(Float, default=0.0)
    redactions: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)

    message: Mapped[MessageRow] = relationship(back_populates="safety")


class EvalRunRow(Base):
    """One evaluation run: what was asked (``config``, enough to resume it) and how far it got.

    While a process works on the run it is ``running``, names itself in ``owner_pid``/``owner_host``/
    ``owner_started`` and renews ``heartbeat_at``; a reader that finds the owner gone (or, where it cannot
    check the pid, the heartbeat stale) knows the process died without saying so. ``cancel_requested_at`` is set
    when a server (any replica) is asked to cancel the run; its owner reads it between samples and stops.
    """

    __tablename__ = "eval_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="running")
    tasks: Mapped[list[Any]] = mapped_column(default=list)
    models: Mapped[list[Any]] = mapped_column(default=list)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    planned: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    owner_host: Mapped[str | None] = mapped_column(String(255))  # "hostname/pidns:<inode>": where the pid is valid
    owner_started: Mapped[int | None] = mapped_column(BigInteger)  # the pid's start (ticks after boot): not reused
    cancel_requested_at: Mapped[datetime | None] = mapped_column()  # a cancel asked for; cleared when it runs again

    results: Mapped[list[SampleResultRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True)


class SampleResultRow(Base):
    """One scored answer. The unique key makes a resumed run unable to store a sample twice."""

    __tablename__ = "sample_results"
    __table_args__ = (UniqueConstraint("run_id", "task", "model", "sample_id", "epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(40), ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    task: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    sample_id: Mapped[str] = mapped_column(String(200))
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str | None] = mapped_column(Text)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)  # flat, for queries without parsing the rest
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the whole SampleResult

    run: Mapped[EvalRunRow] = relationship(back_populates="results")


class ApiKeyRow(Base):
    """An API key of ``medchat serve``: its SHA-256 ``hash`` and public ``prefix``, never the key itself.

    A name is unique among keys not revoked (a partial unique index, on SQLite and PostgreSQL alike), so a
    revoked key's name can be given to its replacement. ``models`` holds glob patterns (NULL: every model);
    ``rpm``/``tpm``/``concurrency`` are limits (NULL: unlimited).
    """

    __tablename__ = "api_keys"
    __table_args__ = (
        Index("uq_api_keys_name_active", "name", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # "mc-" + the first characters of the token
    hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the whole key, hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    rpm: Mapped[int | None] = mapped_column(Integer)
    tpm: Mapped[int | None] = mapped_column(Integer)
    concurrency: Mapped[int | None] = mapped_column(Integer)
    models: Mapped[list[Any] | None] = mapped_column()


class FeedbackRow(Base):
    """A person's verdict on one reply: thumbs up or down, a reason from ``feedback.REASONS``, a comment and an
    optional corrected answer, kept with what was judged (question, answer, model, pipeline version, trace).

    ``message_id`` points at a stored reply (its conversation's deletion deletes the feedback too); feedback on
    a reply that was never stored carries the question and answer itself and no ``message_id``.
    """

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    rating: Mapped[str] = mapped_column(String(8))  # "up" | "down"
    reason: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[str | None] = mapped_column(Text)  # the answer it should have been
    conversation_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    completion_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the chatcmpl-... id, if known
    model: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    history: Mapped[list[Any]] = mapped_column(default=list)  # earlier turns, [{"role", "content"}]
    pipeline_version: Mapped[str | None] = mapped_column(String(100))
    trace: Mapped[dict[str, Any] | None] = mapped_column()
    key_name: Mapped[str | None] = mapped_column(String(100))  # the API key's name, never the key


class PreferenceRow(Base):
    """Two models' answers to one question and which one a person preferred (``a``, ``b``, ``tie`` or
    ``both_bad``): the raw material of an arena, given in the chat page's compare mode."""

    __tablename__ = "preferences"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    model_a: Mapped[str] = mapped_column(String(200))
    answer_a: Mapped[str] = mapped_column(Text)
    model_b: Mapped[str] = mapped_column(String(200))
    answer_b: Mapped[str] = mapped_column(Text)
    winner: Mapped[str] = mapped_column(String(16))
    key_name: Mapped[str | None] = mapped_column(String(100))


class JudgeCalibrationRow(Base):
    """How far one judge (model + prompt ``name@version``) agreed with one label file (its sha256 ``digest``):
    the agreement statistics with their intervals as JSON. A re-run on the same key replaces the row."""

    __tablename__ = "judge_calibrations"
    __table_args__ = (UniqueConstraint("judge", "prompt", "digest", "format"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    judge: Mapped[str] = mapped_column(String(200), index=True)
    prompt: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the label files' contents
    format: Mapped[str] = mapped_column(String(16))  # pairwise | rubric | facts
    dataset: Mapped[str] = mapped_column(Text)  # the label files' names, for people
    items: Mapped[int] = mapped_column(Integer)
    repeats: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column()


class JudgeJudgmentRow(Base):
    """One verdict of a calibration run, kept so a killed run resumes without asking the judge again."""

    __tablename__ = "judge_judgments"
    __table_args__ = (UniqueConstraint("judge", "prompt", "digest", "item_id", "repeat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    judge: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(300))
    repeat: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[dict[str, Any]] = mapped_column()


class ArenaRunRow(Base):
    """One set of battles: judged by a model over stored answers (``answers``: the eval runs they come from), or
    imported from a battle file (``kind = "import"``, ``source`` its name). ``config`` holds the plan, enough to
    resume it."""

    __tablename__ = "arena_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default="judged")  # judged | import
    status: Mapped[str] = mapped_column(String(16), default="running")
    judge: Mapped[str | None] = mapped_column(String(200))
    prompt: Mapped[str | None] = mapped_column(String(100))
    models: Mapped[list[Any]] = mapped_column(default=list)
    answers: Mapped[list[Any]] = mapped_column(default=list)  # eval run ids whose answers were judged
    source: Mapped[str | None] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    planned: Mapped[int] = mapped_column(Integer, default=0)


class BattleRow(Base):
    """One battle: two models' answers to one sample, and who won. The unique key stores each (run, sample,
    turn, pair, judge) once, so a resumed run cannot judge a battle twice. ``verdict_ab`` is the judge's verdict
    with the answers as (A, B), ``verdict_ba`` the (B, A) one mapped back to the same labels; ``consistent`` is
    NULL for people."""

    __tablename__ = "battles"
    __table_args__ = (UniqueConstraint("run_id", "sample_id", "turn", "model_a", "model_b", "judge", "prompt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(40), ForeignKey("arena_runs.id", ondelete="CASCADE"))
    sample_id: Mapped[str] = mapped_column(String(300))
    turn: Mapped[int] = mapped_column(Integer, default=1)
    model_a: Mapped[str] = mapped_column(String(200))
    model_b: Mapped[str] = mapped_column(String(200))
    winner: Mapped[str] = mapped_column(String(16))  # model_a | model_b | tie | tie (bothbad)
    judge: Mapped[str] = mapped_column(String(200))  # the judge model, "human", or "" when a file names none
    prompt: Mapped[str] = mapped_column(String(100), default="")  # the judge prompt's name@version
    consistent: Mapped[bool | None] = mapped_column(Boolean)
    verdict_ab: Mapped[str | None] = mapped_column(String(16))
    verdict_ba: Mapped[str | None] = mapped_column(String(16))
    length_a: Mapped[int | None] = mapped_column(Integer)
    length_b: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CacheEntryRow(Base):
    """One cached answer of the gateway's response cache (``[cache] backend = "database"``): its exact key, the
    semantic scope it belongs to, and the entry as JSON. Times are epoch seconds from the cache's clock, so TTLs
    and least-recently-used eviction read plain numbers on every database."""

    __tablename__ = "cache_entries"

    cache_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(200))
    entry: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    last_used_at: Mapped[float] = mapped_column(Float, index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
