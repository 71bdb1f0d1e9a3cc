"""Judge calibrations: a judge's measured agreement with human labels, and the per-item judgments behind it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "judge_calibrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("judge", sa.String(length=200), nullable=False),
        sa.Column("prompt", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("dataset", sa.Text(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_calibrations")),
        sa.UniqueConstraint("judge", "prompt", "digest", "format",
                            name=op.f("uq_judge_calibrations_judge_prompt_digest_format")),
    )
    op.create_index(op.f("ix_judge_calibrations_judge"), "judge_calibrations", ["judge"])
    op.create_table(
        "judge_judgments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("judge", sa.String(length=200), nullable=False),
        sa.Column("prompt", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=300), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_judgments")),
        sa.UniqueConstraint("judge", "prompt", "digest", "item_id", "repeat",
                            name=op.f("uq_judge_judgments_judge_prompt_digest_item_id_repeat")),
    )


def downgrade() -> None:
    op.drop_table("judge_judgments")
    op.drop_index(op.f("ix_judge_calibrations_judge"), table_name="judge_calibrations")
    op.drop_table("judge_calibrations")
