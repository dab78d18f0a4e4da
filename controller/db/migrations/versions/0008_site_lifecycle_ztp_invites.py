"""Opening sites: each site's lifecycle state, its timeline, and the ZTP invitations (token
hashes only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 14:25:48.981351
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_events")),
    )
    with op.batch_alter_table("site_events", schema=None) as batch_op:
        batch_op.create_index("ix_site_events_site_id_id", ["site_id", "id"], unique=False)

    op.create_table(
        "site_lifecycle",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_site_lifecycle")),
    )
    with op.batch_alter_table("site_lifecycle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_lifecycle_state"), ["state"], unique=False)

    op.create_table(
        "ztp_invites",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("serial", sa.String(length=40), nullable=True),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ztp_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_ztp_invites_token_hash")),
    )
    with op.batch_alter_table("ztp_invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ztp_invites_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ztp_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ztp_invites_site_id"))

    op.drop_table("ztp_invites")
    with op.batch_alter_table("site_lifecycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_lifecycle_state"))

    op.drop_table("site_lifecycle")
    with op.batch_alter_table("site_events", schema=None) as batch_op:
        batch_op.drop_index("ix_site_events_site_id_id")

    op.drop_table("site_events")
