"""Enrolled devices (management endpoint, pinned host key), configuration versions per CPE,
push jobs and their per-device results

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 13:45:04.633596
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_versions")),
    )
    with op.batch_alter_table("config_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_config_versions_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            "uq_config_versions_serial_version", ["serial", "version"], unique=True
        )

    op.create_table(
        "device_endpoints",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("host_key", sa.String(length=1000), nullable=True),
        sa.Column("credentials_ref", sa.String(length=220), nullable=True),
        sa.Column("key_pinned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_device_endpoints")),
    )
    op.create_table(
        "push_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_jobs")),
    )
    with op.batch_alter_table("push_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_jobs_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_push_jobs_state"), ["state"], unique=False)

    op.create_table(
        "push_results",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_kind", sa.String(length=40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["push_jobs.id"],
            name=op.f("fk_push_results_job_id_push_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "serial", name=op.f("pk_push_results")),
    )


def downgrade() -> None:
    op.drop_table("push_results")
    with op.batch_alter_table("push_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_jobs_state"))
        batch_op.drop_index(batch_op.f("ix_push_jobs_created_at"))

    op.drop_table("push_jobs")
    op.drop_table("device_endpoints")
    with op.batch_alter_table("config_versions", schema=None) as batch_op:
        batch_op.drop_index("uq_config_versions_serial_version")
        batch_op.drop_index(batch_op.f("ix_config_versions_site_id"))

    op.drop_table("config_versions")
