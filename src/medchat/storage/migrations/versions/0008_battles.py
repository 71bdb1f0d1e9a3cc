"""Arena battles: runs of pairwise battles (judged or imported) and each battle, stored once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "arena_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("judge", sa.String(length=200), nullable=True),
        sa.Column("prompt", sa.String(length=100), nullable=True),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arena_runs")),
    )
    op.create_index(op.f("ix_arena_runs_created_at"), "arena_runs", ["created_at"])
    op.create_table(
        "battles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("sample_id", sa.String(length=300), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("model_a", sa.String(length=200), nullable=False),
        sa.Column("model_b", sa.String(length=200), nullable=False),
        sa.Column("winner", sa.String(length=16), nullable=False),
        sa.Column("judge", sa.String(length=200), nullable=False),
        sa.Column("prompt", sa.String(length=100), nullable=False),
        sa.Column("consistent", sa.Boolean(), nullable=True),
        sa.Column("verdict_ab", sa.String(length=16), nullable=True),
        sa.Column("verdict_ba", sa.String(length=16), nullable=True),
        sa.Column("length_a", sa.Integer(), nullable=True),
        sa.Column("length_b", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["arena_runs.id"], name=op.f("fk_battles_run_id_arena_runs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_battles")),
        sa.UniqueConstraint("run_id", "sample_id", "turn", "model_a", "model_b", "judge", "prompt",
                            name=op.f("uq_battles_run_id_sample_id_turn_model_a_model_b_judge_prompt")),
    )


def downgrade() -> None:
    op.drop_table("battles")
    op.drop_index(op.f("ix_arena_runs_created_at"), table_name="arena_runs")
    op.drop_table("arena_runs")
