"""Evaluation runs in the database: each ``SampleResult`` is written the moment it is scored, so a killed
run loses nothing; the unique (run, task, model, sample, epoch) key means a resumed run cannot store a
sample twice."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from medchat.evaluation.results import RunInfo, RunStatus, SampleResult
from medchat.storage.db import Database, NotFoundError
from medchat.storage.schema import EvalRunRow, SampleResultRow

ResultKey = tuple[str, str, str, int]


def new_run_id() -> str:
    """Sortable and readable: ``20261121-104512-3fa2``."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


class RunStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    # -- runs --------------------------------------------------------------------------------------
    def create_run(self, *, tasks: list[str], models: list[str], config: dict[str, Any], planned: int,
                   run_id: str | None = None) -> RunInfo:
        row = EvalRunRow(id=run_id or new_run_id(), tasks=tasks, models=models,
                         config=to_jsonable_python(config), planned=planned, status="running")
        with self.database.transaction() as session:
            session.add(row)
        return self.get_run(row.id)

    def update_run(self, run_id: str, *, status: RunStatus | None = None, planned: int | None = None) -> None:
        with self.database.transaction() as session:
            row = session.get(EvalRunRow, run_id)
            if row is None:
                raise _not_found(run_id)
            if status is not None:
                row.status = status
            if planned is not None:
                row.planned = planned
            row.updated_at = datetime.now(UTC)

    def resolve_id(self, run_id: str) -> str:
        """A full run id from a unique prefix (``medchat runs show 2026112``); ``latest`` is the newest."""
        with self.database.session() as session:
            if run_id == "latest":
                found = session.scalars(select(EvalRunRow.id).order_by(EvalRunRow.created_at.desc()).limit(1)).all()
            else:
                found = session.scalars(select(EvalRunRow.id).where(EvalRunRow.id.startswith(run_id, autoescape=True))
                                        .limit(3)).all()
        if run_id in found:
            return run_id
        if len(found) == 1:
            return found[0]
        if not found:
            raise _not_found(run_id)
        raise NotFoundError(f"run id {run_id!r} is ambiguous ({', '.join(found)}...)", hint="give more characters")

    def get_run(self, run_id: str) -> RunInfo:
        run_id = self.resolve_id(run_id)
        with self.database.session() as session:
            row = session.get(EvalRunRow, run_id)
            if row is None:
                raise _not_found(run_id)
            done, errors, cost = session.execute(
                select(func.count(SampleResultRow.id), func.count(SampleResultRow.error),
                       func.coalesce(func.sum(SampleResultRow.cost_usd), 0.0))
                .where(SampleResultRow.run_id == run_id)).one()
            return _info(row, done, errors, cost)

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        with self.database.session() as session:
            counts = (select(SampleResultRow.run_id, func.count(SampleResultRow.id).label("done"),
                             func.count(SampleResultRow.error).label("errors"),
                             func.coalesce(func.sum(SampleResultRow.cost_usd), 0.0).label("cost"))
                      .group_by(SampleResultRow.run_id).subquery())
            rows = session.execute(
                select(EvalRunRow, counts.c.done, counts.c.errors, counts.c.cost)
                .outerjoin(counts, counts.c.run_id == EvalRunRow.id)
                .order_by(EvalRunRow.created_at.desc()).limit(limit)).all()
            return [_info(row, done or 0, errors or 0, cost or 0.0) for row, done, errors, cost in rows]

    def delete_run(self, run_id: str) -> None:
        run_id = self.resolve_id(run_id)
        with self.database.transaction() as session:
            session.execute(delete(EvalRunRow).where(EvalRunRow.id == run_id))

    # -- results -----------------------------------------------------------------------------------
    def add_result(self, result: SampleResult) -> bool:
        """Store one result; ``False`` (and nothing written) if this key is already stored."""
        row = SampleResultRow(run_id=result.run_id, task=result.task, model=result.model,
                              sample_id=result.sample_id, epoch=result.epoch, error=result.error,
                              cost_usd=result.output.cost_usd if result.output else None,
                              metrics=result.metrics(), result=result.model_dump(mode="json"))
        try:
            with self.database.transaction() as session:
                session.add(row)
                run = session.get(EvalRunRow, result.run_id)
                if run is not None:
                    run.updated_at = datetime.now(UTC)
        except IntegrityError:
            return False
        return True

    def done_keys(self, run_id: str) -> set[ResultKey]:
        with self.database.session() as session:
            rows = session.execute(select(SampleResultRow.task, SampleResultRow.model, SampleResultRow.sample_id,
                                          SampleResultRow.epoch).where(SampleResultRow.run_id == run_id)).all()
        return {(t, m, s, e) for t, m, s, e in rows}

    def results(self, run_id: str) -> list[SampleResult]:
        run_id = self.resolve_id(run_id)
        with self.database.session() as session:
            rows = session.execute(select(SampleResultRow.result, SampleResultRow.created_at)
                                   .where(SampleResultRow.run_id == run_id).order_by(SampleResultRow.id)).all()
        out = []
        for data, created in rows:
            result = SampleResult.model_validate(data)
            result.created_at = created
            out.append(result)
        return out


def _info(row: EvalRunRow, done: int, errors: int, cost: float) -> RunInfo:
    return RunInfo(id=row.id, created_at=row.created_at, updated_at=row.updated_at, status=row.status,  # type: ignore[arg-type]
                   tasks=list(row.tasks), models=list(row.models), config=dict(row.config), planned=row.planned,
                   done=done, errors=errors, cost_usd=float(cost))


def _not_found(run_id: str) -> NotFoundError:
    return NotFoundError(f"evaluation run {run_id!r} not found", hint="`medchat runs list` shows the stored runs")
