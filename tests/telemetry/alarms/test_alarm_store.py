"""The AlarmStore contract: every implementation passes these tests. `AlarmStoreContract` holds
them; a subclass named Test... gives the `alarms` fixture of one implementation (the
controller's database store: tests/controller/test_alarm_store_db.py)."""

from __future__ import annotations

from datetime import timedelta

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

KEY = AlarmKey(AlarmKind.LINK_DOWN, "br-a-001", "inet-1")
SITE_KEY = AlarmKey(AlarmKind.SITE_OFFLINE, "br-a-001")


def new(key: AlarmKey = KEY, t: float = 0) -> Alarm:
    return Alarm(0, key, Severity.MAJOR, "down", raised_at=at(t))


class AlarmStoreContract:
    """Not collected itself (no Test prefix): subclasses supply the `alarms` fixture."""

    def test_is_an_alarm_store(self, alarms: AlarmStore) -> None:
        assert isinstance(alarms, AlarmStore)

    def test_insert_assigns_ids_and_get_returns_the_alarm(self, alarms: AlarmStore) -> None:
        first = alarms.insert(new())
        second = alarms.insert(new(SITE_KEY, 1))
        assert first.id != second.id
        assert alarms.get(first.id) == first
        assert alarms.get(second.id).key == SITE_KEY
        with pytest.raises(AlarmNotFoundError):
            alarms.get(10_000)

    @pytest.mark.parametrize("key", [KEY, SITE_KEY], ids=["link", "site"])
    def test_one_active_alarm_per_key(self, alarms: AlarmStore, key: AlarmKey) -> None:
        first = alarms.insert(new(key))
        assert alarms.find_active(key) == first
        with pytest.raises(DuplicateActiveAlarmError):
            alarms.insert(new(key, t=1))
        alarms.update(first.cleared(at(2), "condition ended"))
        assert alarms.find_active(key) is None
        again = alarms.insert(new(key, t=3))  # a new alarm for the same key, once the old cleared
        assert again.id != first.id
        assert alarms.find_active(key) == again
        assert alarms.get(first.id).clear_reason == "condition ended"

    def test_update_of_an_unknown_alarm_fails(self, alarms: AlarmStore) -> None:
        with pytest.raises(AlarmNotFoundError):
            alarms.update(new())

    def test_search_filters_and_orders_newest_first(self, alarms: AlarmStore) -> None:
        a = alarms.insert(new(t=0))
        b = alarms.insert(new(AlarmKey(AlarmKind.SITE_OFFLINE, "br-b-001"), 5))
        c = alarms.insert(new(AlarmKey(AlarmKind.LINK_DOWN, "br-b-001", "lte-1"), 9))
        d = alarms.insert(new(AlarmKey(AlarmKind.LINK_DOWN, "br-b-001", "inet-1"), 9))
        alarms.update(c.cleared(at(10), "link up"))
        assert [x.id for x in alarms.search()] == [d.id, c.id, b.id, a.id]  # same time: by id
        assert [x.id for x in alarms.search(active=True)] == [d.id, b.id, a.id]
        assert [x.id for x in alarms.search(active=False)] == [c.id]
        assert [x.id for x in alarms.search(site="br-b-001")] == [d.id, c.id, b.id]
        assert [x.id for x in alarms.search(kind=AlarmKind.LINK_DOWN)] == [d.id, c.id, a.id]
        found = alarms.search(active=True, site="br-b-001", kind=AlarmKind.LINK_DOWN)
        assert [x.id for x in found] == [d.id]
        assert [x.id for x in alarms.search(limit=1)] == [d.id]

    def test_lifecycle_rules(self, alarms: AlarmStore) -> None:
        alarm = alarms.insert(new())
        acked = alarm.acknowledge("ops@example.com", at(1))
        alarms.update(acked)
        assert alarms.get(alarm.id).acknowledged_by == "ops@example.com"
        assert alarms.get(alarm.id).active
        done = acked.cleared(at(2), "link up")
        alarms.update(done)
        assert (done.cleared_at, done.clear_reason) == (at(2), "link up")
        with pytest.raises(AlarmStateError):
            done.acknowledge("ops@example.com", at(3))
        with pytest.raises(AlarmStateError):
            done.cleared(at(3), "again")

    def test_every_field_comes_back_as_stored(self, alarms: AlarmStore) -> None:
        cause = alarms.insert(new(SITE_KEY))
        alarm = alarms.insert(new())
        full = Alarm(
            alarm.id, KEY, Severity.CRITICAL, "mpls-1 down: no reply", raised_at=at(0.5),
            cleared_at=at(7.25), acknowledged_at=at(3), acknowledged_by="ops@example.com",
            suppressed_by=cause.id, clear_reason="link up", notes=("first", "second"),
        )  # fmt: skip
        alarms.update(full)
        stored = alarms.get(alarm.id)
        assert stored == full
        times = (stored.raised_at, stored.cleared_at, stored.acknowledged_at)
        assert all(t is not None and t.utcoffset() == timedelta(0) for t in times)


class TestMemoryAlarmStore(AlarmStoreContract):
    @pytest.fixture
    def alarms(self) -> AlarmStore:
        return MemoryAlarmStore()
