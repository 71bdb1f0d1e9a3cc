"""Evaluation runs record a cancel asked for through any server replica (``cancel_requested_at``): the process
working on the run — on whichever host — reads it between samples and stops as it would for a local cancel.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: a plain ALTER TABLE ... ADD COLUMN on PostgreSQL and on SQLite (see 0003).
    with op.batch_alter_table("eval_runs") as batch_op:
        batch_op.add_column(sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("eval_runs") as batch_op:
        batch_op.drop_column("cancel_requested_at")
