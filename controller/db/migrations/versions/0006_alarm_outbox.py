"""Alarm notifications: deliveries (pending, sent, failed), notified (alarm id, event) marks
and each key's last notified raise, so the outbox outlives a restart

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:12:40.118402
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alarm_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alarm_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("notifier", sa.String(length=32), nullable=False),
        sa.Column("alarm", DOC, nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("errors", DOC, nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_deliveries")),
    )
    with op.batch_alter_table("alarm_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_alarm_deliveries_state_due", ["state", "due"], unique=False)
        batch_op.create_index(
            "ix_alarm_deliveries_state_finished_at", ["state", "finished_at"], unique=False
        )

    op.create_table(
        "alarm_notified",
        sa.Column("alarm_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("alarm_id", "event", name=op.f("pk_alarm_notified")),
    )

    op.create_table(
        "alarm_raises",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("link", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "site", "link", name=op.f("pk_alarm_raises")),
    )
    with op.batch_alter_table("alarm_raises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alarm_raises_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alarm_raises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alarm_raises_at"))

    op.drop_table("alarm_raises")
    op.drop_table("alarm_notified")
    with op.batch_alter_table("alarm_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_alarm_deliveries_state_finished_at")
        batch_op.drop_index("ix_alarm_deliveries_state_due")

    op.drop_table("alarm_deliveries")
