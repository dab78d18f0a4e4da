"""The controller's database `AlarmStore` passes the AlarmStore contract on SQLite and
PostgreSQL, and the migrated schema itself keeps one active alarm per key. The manager's batch
path gives the per-alarm events on it, and writes a storm in a few transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from controller.db.tables import AlarmRow
from controller.store.facade import Store
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.alarms import (
    Alarm,
    AlarmKey,
    AlarmKind,
    AlarmManager,
    AlarmSpec,
    AlarmStore,
    DuplicateActiveAlarmError,
    EngineResult,
    MemoryAlarmStore,
    Severity,
    dependency_graph,
)
from tests.controller.db_traffic import traffic
from tests.telemetry.alarms.per_alarm import PerAlarmManager, storm
from tests.telemetry.alarms.test_alarm_store import AlarmStoreContract
from tests.telemetry.alarms.test_manager_batch import MIXED, compare
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


@pytest.fixture(scope="module")
def network_12() -> Inventory:
    return generate_reference_network(12, seed=5)


@pytest.mark.parametrize("steps", ["mixed", "random"])
def test_the_batch_path_on_the_database_gives_the_per_alarm_events(
    store: Store, network_12: Inventory, steps: str
) -> None:
    """Times come back in UTC and ids from the database: still the very events, and the very
    alarms, of the per-alarm manager on a memory store."""
    graph = dependency_graph(network_12)
    reference = PerAlarmManager(MemoryAlarmStore(), graph)
    plan = MIXED if steps == "mixed" else storm(network_12, seed=1, ticks=12)
    compare(plan, AlarmManager(store.alarms, graph), reference)


def test_a_storm_of_thousands_is_a_few_transactions(store: Store) -> None:
    keys = [AlarmKey(AlarmKind.LINK_DOWN, f"br-{i:04}", "inet-1") for i in range(2_500)]
    manager = AlarmManager(store.alarms)
    raised = EngineResult(raised=tuple(AlarmSpec(k, Severity.MAJOR, "down") for k in keys))
    with traffic(store.engine) as seen:
        assert len(manager.apply(raised, at(0))) == 2_500
    assert seen.transactions == 2  # read the active alarms; insert the new ones
    assert seen.statements <= 8  # BEGINs on SQLite, a SELECT, INSERTs of 1,000 rows each
    cleared = EngineResult(cleared=tuple((k, "up") for k in keys))
    with traffic(store.engine) as seen:
        assert len(manager.apply(cleared, at(5))) == 2_500
    assert seen.transactions == 2  # read; check the ids and update them
    assert seen.statements <= 8
    assert store.alarms.search(active=True) == []


def test_update_many_refuses_to_reopen_an_alarm_whose_key_is_active_again(store: Store) -> None:
    """The index holds for the batch update too: nothing of the batch is written."""
    key = AlarmKey(AlarmKind.LINK_DOWN, "br-a-001", "inet-1")
    (old,) = store.alarms.insert_many([Alarm(0, key, Severity.MAJOR, "down", raised_at=at(0))])
    store.alarms.update(old.cleared(at(1), "up"))
    (new,) = store.alarms.insert_many([Alarm(0, key, Severity.MAJOR, "down", raised_at=at(2))])
    acked = new.acknowledge("noc", at(3))
    with pytest.raises(DuplicateActiveAlarmError, match="link-down br-a-001/inet-1"):
        store.alarms.update_many([acked, old])  # `old` as it was, active
    assert store.alarms.get(new.id) == new
    assert store.alarms.get(old.id).clear_reason == "up"
