"""Alembic environment: runs migrations on the connection handed in by controller.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from controller.db.tables import Base

connection = context.config.attributes.get("connection")


def run(conn: Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is None:
    raise RuntimeError("run migrations through controller.db.migrate (branchline db upgrade)")
run(connection)
