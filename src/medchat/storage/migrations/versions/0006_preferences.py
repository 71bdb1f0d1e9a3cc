"""Pairwise preferences: two models' answers to one question and which a person preferred.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "preferences",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("model_a", sa.String(length=200), nullable=False),
        sa.Column("answer_a", sa.Text(), nullable=False),
        sa.Column("model_b", sa.String(length=200), nullable=False),
        sa.Column("answer_b", sa.Text(), nullable=False),
        sa.Column("winner", sa.String(length=16), nullable=False),
        sa.Column("key_name", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preferences")),
    )
    op.create_index(op.f("ix_preferences_created_at"), "preferences", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_preferences_created_at"), table_name="preferences")
    op.drop_table("preferences")
