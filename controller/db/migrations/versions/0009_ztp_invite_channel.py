"""ZTP invitations say how they reach the branch: an e-mailed link or a USB bundle

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 16:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ztp_invites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="mail")
        )


def downgrade() -> None:
    with op.batch_alter_table("ztp_invites", schema=None) as batch_op:
        batch_op.drop_column("channel")
