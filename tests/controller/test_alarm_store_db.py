"""The controller's database `AlarmStore` passes the AlarmStore contract on SQLite and
PostgreSQL, and the migrated schema itself keeps one active alarm per key."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from controller.db.tables import AlarmRow
from controller.store.inventory_store import Store
from telemetry.alarms import AlarmStore
from tests.telemetry.alarms.test_alarm_store import AlarmStoreContract
from tests.telemetry.health.builders import at


class TestDatabaseAlarmStore(AlarmStoreContract):
    @pytest.fixture
    def alarms(self, store: Store) -> AlarmStore:
        return store.alarms


@pytest.mark.parametrize("link", ["inet-1", ""], ids=["link", "site"])
def test_the_schema_refuses_a_second_active_alarm_per_key(store: Store, link: str) -> None:
    """Whoever writes (another controller, a script): the index holds, '' (no link) included."""
    row = {"kind": "link-down", "site": "br-a-001", "link": link, "severity": "major",
           "message": "down", "raised_at": at(0), "notes": []}  # fmt: skip
    with store.engine.begin() as conn:
        first = conn.execute(insert(AlarmRow).returning(AlarmRow.id), row).scalar_one()
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(AlarmRow), row)
    with store.engine.begin() as conn:
        conn.execute(update(AlarmRow).where(AlarmRow.id == first).values(cleared_at=at(1)))
        conn.execute(insert(AlarmRow), row)  # the old one is history now
