"""Current path of every application of every site, and the journal of path changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:20:24.348607
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "path_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("from_link", sa.String(length=64), nullable=True),
        sa.Column("to_link", sa.String(length=64), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("policy_scope", sa.String(length=80), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_changes")),
    )
    with op.batch_alter_table("path_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_path_changes_app"), ["app"], unique=False)
        batch_op.create_index(batch_op.f("ix_path_changes_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_path_changes_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_paths",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("link", sa.String(length=64), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("policy_scope", sa.String(length=80), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_paths_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "app", name=op.f("pk_site_paths")),
    )


def downgrade() -> None:
    op.drop_table("site_paths")
    with op.batch_alter_table("path_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_path_changes_site_id"))
        batch_op.drop_index(batch_op.f("ix_path_changes_at"))
        batch_op.drop_index(batch_op.f("ix_path_changes_app"))

    op.drop_table("path_changes")
