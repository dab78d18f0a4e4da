"""Inventory tables: SLA classes, applications, sites, CPEs, links, hub attachments

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:55:39.824464
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Documents are JSON, JSONB on PostgreSQL (indexable, compact).
DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventory_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("doc", DOC, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inventory_meta")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("branch_class", sa.String(length=1), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("doc", DOC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_branch_class"), ["branch_class"], unique=False)
        batch_op.create_index(batch_op.f("ix_sites_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_sites_position"), ["position"], unique=False)
        batch_op.create_index(batch_op.f("ix_sites_role"), ["role"], unique=False)

    op.create_table(
        "sla_classes",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("doc", DOC, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sla_classes")),
    )
    op.create_table(
        "applications",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sla_class", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("doc", DOC, nullable=False),
        sa.ForeignKeyConstraint(
            ["sla_class"],
            ["sla_classes.name"],
            name=op.f("fk_applications_sla_class_sla_classes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_sla_class"), ["sla_class"], unique=False)

    op.create_table(
        "cpes",
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("management_address", sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_cpes_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_cpes")),
        sa.UniqueConstraint("management_address", name=op.f("uq_cpes_management_address")),
    )
    with op.batch_alter_table("cpes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cpes_site_id"), ["site_id"], unique=False)

    op.create_table(
        "hub_attachments",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("hub_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"],
            ["sites.id"],
            name=op.f("fk_hub_attachments_hub_id_sites"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_hub_attachments_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site_id", "hub_id", name=op.f("pk_hub_attachments")),
    )
    with op.batch_alter_table("hub_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hub_attachments_hub_id"), ["hub_id"], unique=False)

    op.create_table(
        "links",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.String(length=64), nullable=False),
        sa.Column("transport", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_links_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "link_id", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_links_transport"), ["transport"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_links_transport"))

    op.drop_table("links")
    with op.batch_alter_table("hub_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_attachments_hub_id"))

    op.drop_table("hub_attachments")
    with op.batch_alter_table("cpes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpes_site_id"))

    op.drop_table("cpes")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_sla_class"))

    op.drop_table("applications")
    op.drop_table("sla_classes")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_role"))
        batch_op.drop_index(batch_op.f("ix_sites_position"))
        batch_op.drop_index(batch_op.f("ix_sites_city"))
        batch_op.drop_index(batch_op.f("ix_sites_branch_class"))

    op.drop_table("sites")
    op.drop_table("inventory_meta")
