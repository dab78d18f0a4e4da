"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from controller.db.migrate import current_revision, head_revision, upgrade
from controller.db.tables import Base
from controller.store.facade import Store


def test_migrated_schema_matches_the_models(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_is_idempotent(store: Store) -> None:
    before = sorted(inspect(store.engine).get_table_names())
    upgrade(store.engine)
    assert sorted(inspect(store.engine).get_table_names()) == before
    assert {"sites", "cpes", "links", "hub_attachments", "applications"} <= set(before)
