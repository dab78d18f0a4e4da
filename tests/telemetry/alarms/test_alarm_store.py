"""The AlarmStore contract: every implementation (a database one later) passes these tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from telemetry.alarms import (
    Alarm,
    AlarmKey,
    AlarmKind,
    AlarmNotFoundError,
    AlarmStateError,
    AlarmStore,
    DuplicateActiveAlarmError,
    MemoryAlarmStore,
    Severity,
)
from tests.telemetry.health.builders import at

IMPLEMENTATIONS: list[Callable[[], AlarmStore]] = [MemoryAlarmStore]
KEY = AlarmKey(AlarmKind.LINK_DOWN, "br-a-001", "inet-1")


@pytest.fixture(params=IMPLEMENTATIONS, ids=lambda f: f.__name__)
def store(request: pytest.FixtureRequest) -> AlarmStore:
    made: AlarmStore = request.param()
    assert isinstance(made, AlarmStore)
    return made


def new(key: AlarmKey = KEY, t: float = 0) -> Alarm:
    return Alarm(0, key, Severity.MAJOR, "down", raised_at=at(t))


def test_insert_assigns_ids_and_get_returns_the_alarm(store: AlarmStore) -> None:
    first = store.insert(new())
    second = store.insert(new(AlarmKey(AlarmKind.SITE_OFFLINE, "br-a-001"), 1))
    assert first.id != second.id
    assert store.get(first.id) == first
    with pytest.raises(AlarmNotFoundError):
        store.get(10_000)


def test_one_active_alarm_per_key(store: AlarmStore) -> None:
    first = store.insert(new())
    assert store.find_active(KEY) == first
    with pytest.raises(DuplicateActiveAlarmError):
        store.insert(new(t=1))
    store.update(first.cleared(at(2), "link up"))
    assert store.find_active(KEY) is None
    again = store.insert(new(t=3))  # a new alarm for the same key, once the old one cleared
    assert again.id != first.id
    assert store.find_active(KEY) == again


def test_update_of_an_unknown_alarm_fails(store: AlarmStore) -> None:
    with pytest.raises(AlarmNotFoundError):
        store.update(new())


def test_search_filters_and_orders_newest_first(store: AlarmStore) -> None:
    a = store.insert(new(t=0))
    b = store.insert(new(AlarmKey(AlarmKind.SITE_OFFLINE, "br-b-001"), 5))
    c = store.insert(new(AlarmKey(AlarmKind.LINK_DOWN, "br-b-001", "lte-1"), 9))
    store.update(c.cleared(at(10), "link up"))
    assert [x.id for x in store.search()] == [c.id, b.id, a.id]
    assert [x.id for x in store.search(active=True)] == [b.id, a.id]
    assert [x.id for x in store.search(active=False)] == [c.id]
    assert [x.id for x in store.search(site="br-b-001")] == [c.id, b.id]
    assert [x.id for x in store.search(kind=AlarmKind.LINK_DOWN)] == [c.id, a.id]
    assert [x.id for x in store.search(limit=1)] == [c.id]


def test_lifecycle_rules(store: AlarmStore) -> None:
    alarm = store.insert(new())
    acked = alarm.acknowledge("ops@example.com", at(1))
    store.update(acked)
    assert store.get(alarm.id).acknowledged_by == "ops@example.com"
    assert store.get(alarm.id).active
    done = acked.cleared(at(2), "link up")
    store.update(done)
    assert (done.cleared_at, done.clear_reason) == (at(2), "link up")
    with pytest.raises(AlarmStateError):
        done.acknowledge("ops@example.com", at(3))
    with pytest.raises(AlarmStateError):
        done.cleared(at(3), "again")
