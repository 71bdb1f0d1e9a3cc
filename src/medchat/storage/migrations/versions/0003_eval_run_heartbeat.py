"""Evaluation runs name the process working on them (pid, where that pid means it — host and pid namespace —
and when it started) and renew a heartbeat, so a run whose process died reads as interrupted rather than running.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns only: a plain ALTER TABLE ... ADD COLUMN on PostgreSQL and on SQLite (batch mode
    # rebuilds the table only where SQLite needs it, which adding a nullable column does not).
    with op.batch_alter_table("eval_runs") as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("owner_pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("owner_host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("owner_started", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("eval_runs") as batch_op:
        batch_op.drop_column("owner_started")
        batch_op.drop_column("owner_host")
        batch_op.drop_column("owner_pid")
        batch_op.drop_column("heartbeat_at")
