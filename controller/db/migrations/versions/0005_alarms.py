"""Alarms: active ones and their history, at most one active per key

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:31:07.512093
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ACTIVE = sa.text("cleared_at IS NULL")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("link", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("suppressed_by", sa.Integer(), nullable=True),
        sa.Column("clear_reason", sa.Text(), nullable=True),
        sa.Column("notes", DOC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
    )
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alarms_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alarms_site"), ["site"], unique=False)
        batch_op.create_index(
            "uq_alarms_active_key",
            ["kind", "site", "link"],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("alarms", schema=None) as batch_op:
        batch_op.drop_index("uq_alarms_active_key")
        batch_op.drop_index(batch_op.f("ix_alarms_site"))
        batch_op.drop_index(batch_op.f("ix_alarms_raised_at"))

    op.drop_table("alarms")
