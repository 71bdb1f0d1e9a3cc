"""Judge calibrations: how far a judge agreed with human labels, and the verdicts it gave on the way.

A calibration is keyed by (judge model, prompt ``name@version``, label-file digest, format): the same judge asked
the same way about the same labels is the same measurement, so a re-run replaces it. Each verdict is stored as it
arrives (``judge_judgments``), so a killed run resumes where it stopped instead of paying for the judge again.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from medchat.storage.db import Database
from medchat.storage.schema import JudgeCalibrationRow, JudgeJudgmentRow


class StoredCalibration(BaseModel):
    id: int
    created_at: datetime
    judge: str
    prompt: str
    digest: str
    format: str
    dataset: str
    items: int
    repeats: int
    metrics: dict[str, Any]


class CalibrationStore:
    def __init__(self, database: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- verdicts, for resuming -------------------------------------------------------------------------
    def judgments(self, judge: str, prompt: str, digest: str) -> dict[tuple[str, int], dict[str, Any]]:
        """``{(item id, repeat): verdict}`` already stored for this judge, prompt and label file."""
        query = select(JudgeJudgmentRow).where(JudgeJudgmentRow.judge == judge, JudgeJudgmentRow.prompt == prompt,
                                               JudgeJudgmentRow.digest == digest)
        with self.database.session() as session:
            return {(row.item_id, row.repeat): row.verdict for row in session.scalars(query)}

    def add_judgment(self, judge: str, prompt: str, digest: str, item_id: str, repeat: int,
                     verdict: dict[str, Any]) -> bool:
        """Store one verdict; ``False`` when one was stored already (a concurrent run got there first)."""
        row = JudgeJudgmentRow(created_at=self._clock(), judge=judge, prompt=prompt, digest=digest, item_id=item_id,
                               repeat=repeat, verdict=verdict)
        try:
            with self.database.transaction() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    # -- calibrations -----------------------------------------------------------------------------------
    def save(self, *, judge: str, prompt: str, digest: str, format: str, dataset: str, items: int, repeats: int,
             metrics: dict[str, Any]) -> StoredCalibration:
        """Store a calibration, replacing an earlier one with the same key."""
        with self.database.transaction() as session:
            session.execute(delete(JudgeCalibrationRow).where(
                JudgeCalibrationRow.judge == judge, JudgeCalibrationRow.prompt == prompt,
                JudgeCalibrationRow.digest == digest, JudgeCalibrationRow.format == format))
            row = JudgeCalibrationRow(created_at=self._clock(), judge=judge, prompt=prompt, digest=digest,
                                      format=format, dataset=dataset, items=items, repeats=repeats, metrics=metrics)
            session.add(row)
            session.flush()
            return _calibration(row)

    def list(self, *, judge: str | None = None) -> builtins.list[StoredCalibration]:
        """Newest first."""
        query = select(JudgeCalibrationRow).order_by(JudgeCalibrationRow.created_at.desc(),
                                                     JudgeCalibrationRow.id.desc())
        if judge is not None:
            query = query.where(JudgeCalibrationRow.judge == judge)
        with self.database.session() as session:
            return [_calibration(row) for row in session.scalars(query)]

    def latest(self, judge: str) -> StoredCalibration | None:
        found = self.list(judge=judge)
        return found[0] if found else None


def _calibration(row: JudgeCalibrationRow) -> StoredCalibration:
    return StoredCalibration(id=row.id, created_at=row.created_at, judge=row.judge, prompt=row.prompt,
                             digest=row.digest, format=row.format, dataset=row.dataset, items=row.items,
                             repeats=row.repeats, metrics=row.metrics)
