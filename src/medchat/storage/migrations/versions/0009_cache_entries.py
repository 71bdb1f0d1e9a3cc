"""The gateway's response cache in the database: one row per cached answer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cache_entries",
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("last_used_at", sa.Float(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("cache_key", name=op.f("pk_cache_entries")),
    )
    op.create_index(op.f("ix_cache_entries_scope"), "cache_entries", ["scope"])
    op.create_index(op.f("ix_cache_entries_expires_at"), "cache_entries", ["expires_at"])
    op.create_index(op.f("ix_cache_entries_last_used_at"), "cache_entries", ["last_used_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cache_entries_last_used_at"), table_name="cache_entries")
    op.drop_index(op.f("ix_cache_entries_expires_at"), table_name="cache_entries")
    op.drop_index(op.f("ix_cache_entries_scope"), table_name="cache_entries")
    op.drop_table("cache_entries")
