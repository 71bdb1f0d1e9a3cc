"""Arena battles in the database: runs of battles (judged by a model over stored answers, or imported from a battle
file) and each battle, written the moment it is judged.

The unique (run, sample, turn, model_a, model_b, judge, prompt) key stores a battle once: ``add`` of one already
stored does nothing and says so, which is what makes a resumed or repeated run safe. Records speak the public
battle format's words (``model_a``/``model_b``/``tie``/``tie (bothbad)``); ``evaluation.arena.stored`` turns them
into ``Battle``s (storage imports nothing from evaluation).
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from medchat.storage.db import Database, NotFoundError
from medchat.storage.schema import ArenaRunRow, BattleRow

BattleKey = tuple[str, int, str, str, str, str]  # sample_id, turn, model_a, model_b, judge, prompt


class ArenaRun(BaseModel):
    id: str
    created_at: datetime
    updated_at: datetime
    kind: str = "judged"
    status: str = "running"
    judge: str | None = None
    prompt: str | None = None
    models: list[str] = Field(default_factory=list)
    answers: list[str] = Field(default_factory=list)
    source: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    planned: int = 0
    battles: int = 0


class StoredBattle(BaseModel):
    """One battle as stored; ``public()`` gives it in the public battle format."""

    run_id: str
    sample_id: str
    turn: int = 1
    model_a: str
    model_b: str
    winner: str
    judge: str = ""
    prompt: str = ""
    consistent: bool | None = None
    verdict_ab: str | None = None
    verdict_ba: str | None = None
    length_a: int | None = None
    length_b: int | None = None
    created_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> BattleKey:
        return (self.sample_id, self.turn, self.model_a, self.model_b, self.judge, self.prompt)

    def public(self) -> dict[str, Any]:
        """``{model_a, model_b, winner, judge, question_id, turn, length_a, length_b, metadata}``; the prompt,
        consistency and both order verdicts go in ``metadata``."""
        extra = {"prompt": self.prompt or None, "consistent": self.consistent, "verdict_ab": self.verdict_ab,
                 "verdict_ba": self.verdict_ba, "run_id": self.run_id}
        return {"model_a": self.model_a, "model_b": self.model_b, "winner": self.winner, "judge": self.judge or None,
                "question_id": self.sample_id, "turn": self.turn, "length_a": self.length_a,
                "length_b": self.length_b,
                "metadata": {**self.metadata, **{k: v for k, v in extra.items() if v is not None}}}


def new_arena_id() -> str:
    """Sortable and readable, like eval runs: ``arena-20261206-104512-3fa2``."""
    return datetime.now(UTC).strftime("arena-%Y%m%d-%H%M%S-") + secrets.token_hex(2)


class BattleStore:
    def __init__(self, database: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- runs ------------------------------------------------------------------------------------------
    def create_run(self, *, kind: str = "judged", judge: str | None = None, prompt: str | None = None,
                   models: builtins.list[str] = (), answers: builtins.list[str] = (), source: str | None = None,
                   config: dict[str, Any] | None = None, planned: int = 0, run_id: str | None = None) -> ArenaRun:
        now = self._clock()
        row = ArenaRunRow(id=run_id or new_arena_id(), created_at=now, updated_at=now, kind=kind, status="running",
                          judge=judge, prompt=prompt, models=list(models), answers=list(answers), source=source,
                          config=config or {}, planned=planned)
        with self.database.transaction() as session:
            session.add(row)
        return self.get_run(row.id)

    def update_run(self, run_id: str, *, status: str | None = None, planned: int | None = None,
                   answers: builtins.list[str] | None = None, config: dict[str, Any] | None = None,
                   judge: str | None = None, prompt: str | None = None,
                   models: builtins.list[str] | None = None) -> None:
        values: dict[str, Any] = {"updated_at": self._clock()}
        for name, value in (("status", status), ("planned", planned), ("answers", answers), ("config", config),
                            ("judge", judge), ("prompt", prompt), ("models", models)):
            if value is not None:
                values[name] = value
        with self.database.transaction() as session:
            done = session.execute(update(ArenaRunRow).where(ArenaRunRow.id == run_id).values(**values))
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise _not_found(run_id)

    def find_run(self, run_id: str) -> ArenaRun | None:
        with self.database.session() as session:
            row = session.get(ArenaRunRow, run_id)
            if row is None:
                return None
            count = session.scalar(select(func.count(BattleRow.id)).where(BattleRow.run_id == run_id)) or 0
            return _run(row, count)

    def get_run(self, run_id: str) -> ArenaRun:
        """A run by id, unique prefix, or ``latest``."""
        with self.database.session() as session:
            if run_id == "latest":
                query = select(ArenaRunRow.id).order_by(ArenaRunRow.created_at.desc()).limit(1)
            else:
                query = select(ArenaRunRow.id).where(ArenaRunRow.id.startswith(run_id, autoescape=True)).limit(3)
            found = builtins.list(session.scalars(query))
        if run_id in found:
            found = [run_id]
        if len(found) > 1:
            raise NotFoundError(f"arena run id {run_id!r} is ambiguous ({', '.join(found)}...)",
                                hint="give more characters")
        run = self.find_run(found[0]) if found else None
        if run is None:
            raise _not_found(run_id)
        return run

    def list_runs(self, limit: int = 50) -> builtins.list[ArenaRun]:
        with self.database.session() as session:
            counts = (select(BattleRow.run_id, func.count(BattleRow.id).label("n"))
                      .group_by(BattleRow.run_id).subquery())
            rows = session.execute(select(ArenaRunRow, counts.c.n).outerjoin(counts, counts.c.run_id == ArenaRunRow.id)
                                   .order_by(ArenaRunRow.created_at.desc()).limit(limit)).all()
            return [_run(row, n or 0) for row, n in rows]

    # -- battles ---------------------------------------------------------------------------------------
    def add(self, battle: StoredBattle) -> bool:
        """Store one battle; ``False`` (and nothing written) when it is stored already."""
        try:
            with self.database.transaction() as session:
                session.add(_row(battle, self._clock()))
                session.execute(update(ArenaRunRow).where(ArenaRunRow.id == battle.run_id)
                                .values(updated_at=self._clock()))
        except IntegrityError:
            return False
        return True

    def add_many(self, battles: Iterable[StoredBattle], *, batch: int = 1000) -> tuple[int, int]:
        """Store many (an import), ``batch`` a transaction; returns (stored, already there). A batch that meets a
        stored battle is stored one by one."""
        added = kept = 0
        chunk: builtins.list[StoredBattle] = []

        def flush() -> None:
            nonlocal added, kept
            try:
                now = self._clock()
                with self.database.transaction() as session:
                    session.add_all([_row(b, now) for b in chunk])
                added += len(chunk)
            except IntegrityError:
                for battle in chunk:
                    if self.add(battle):
                        added += 1
                    else:
                        kept += 1
            chunk.clear()

        for battle in battles:
            chunk.append(battle)
            if len(chunk) >= batch:
                flush()
        if chunk:
            flush()
        return added, kept

    def keys(self, run_id: str) -> set[BattleKey]:
        """The battles a run has stored, by key (what a resumed run skips)."""
        query = select(BattleRow.sample_id, BattleRow.turn, BattleRow.model_a, BattleRow.model_b, BattleRow.judge,
                       BattleRow.prompt).where(BattleRow.run_id == run_id)
        with self.database.session() as session:
            return {tuple(row) for row in session.execute(query)}  # type: ignore[misc]

    def iterate(self, run_ids: Iterable[str] | None = None, *, batch: int = 5000) -> Iterator[StoredBattle]:
        """The battles of some runs (all runs by default), oldest first, read ``batch`` rows at a time."""
        ids = None if run_ids is None else builtins.list(run_ids)
        last = 0
        while True:
            query = select(BattleRow).where(BattleRow.id > last).order_by(BattleRow.id).limit(batch)
            if ids is not None:
                query = query.where(BattleRow.run_id.in_(ids))
            with self.database.session() as session:
                rows = [(row.id, _battle(row)) for row in session.scalars(query)]
            yield from (battle for _, battle in rows)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def list(self, run_id: str) -> builtins.list[StoredBattle]:
        return builtins.list(self.iterate([run_id]))


def _row(battle: StoredBattle, now: datetime) -> BattleRow:
    return BattleRow(run_id=battle.run_id, sample_id=battle.sample_id, turn=battle.turn, model_a=battle.model_a,
                     model_b=battle.model_b, winner=battle.winner, judge=battle.judge, prompt=battle.prompt,
                     consistent=battle.consistent, verdict_ab=battle.verdict_ab, verdict_ba=battle.verdict_ba,
                     length_a=battle.length_a, length_b=battle.length_b, created_at=battle.created_at or now,
                     meta=battle.metadata)


def _battle(row: BattleRow) -> StoredBattle:
    return StoredBattle(run_id=row.run_id, sample_id=row.sample_id, turn=row.turn, model_a=row.model_a,
                        model_b=row.model_b, winner=row.winner, judge=row.judge, prompt=row.prompt,
                        consistent=row.consistent, verdict_ab=row.verdict_ab, verdict_ba=row.verdict_ba,
                        length_a=row.length_a, length_b=row.length_b, created_at=row.created_at,
                        metadata=dict(row.meta or {}))


def _run(row: ArenaRunRow, battles: int) -> ArenaRun:
    return ArenaRun(id=row.id, created_at=row.created_at, updated_at=row.updated_at, kind=row.kind, status=row.status,
                    judge=row.judge, prompt=row.prompt, models=builtins.list(row.models),
                    answers=builtins.list(row.answers), source=row.source, config=dict(row.config),
                    planned=row.planned, battles=battles)


def _not_found(run_id: str) -> NotFoundError:
    return NotFoundError(f"arena run {run_id!r} not found", hint="`medchat arena runs` lists the stored arena runs")
