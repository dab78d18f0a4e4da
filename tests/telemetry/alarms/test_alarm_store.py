"""The AlarmStore contract: every implementation passes these tests. `AlarmStoreContract` holds
them; a subclass named Test... gives the `alarms` fixture of one implementation (the
controller's database store: tests/controller/test_alarm_store_db.py)."""

from __future__ import annotations

from dataclasses import replace
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
KEY2 = AlarmKey(AlarmKind.SLA_VIOLATION, "br-a-001", "mpls-1")


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

    def test_insert_many_stores_every_alarm_with_ids_in_the_given_order(
        self, alarms: AlarmStore
    ) -> None:
        assert alarms.insert_many([]) == []
        given = [new(KEY, 2), new(SITE_KEY, 1), new(AlarmKey(AlarmKind.LINK_DOWN, "br-b", "x"))]
        stored = alarms.insert_many(given)
        assert [a.id for a in stored] == sorted({a.id for a in stored})  # distinct, ascending
        assert [replace(a, id=0) for a in stored] == given
        assert [alarms.get(a.id) for a in stored] == stored
        assert [alarms.find_active(a.key) for a in given] == stored
        more = alarms.insert_many([new(AlarmKey(AlarmKind.SITE_OFFLINE, "br-b"))])
        assert more[0].id > stored[-1].id

    def test_insert_many_spans_pages_of_the_bulk_statements(self, alarms: AlarmStore) -> None:
        keys = [AlarmKey(AlarmKind.LINK_DOWN, f"br-{i:04}", "inet-1") for i in range(2_500)]
        stored = alarms.insert_many([new(k, i / 1000) for i, k in enumerate(keys)])
        assert [a.key for a in stored] == keys
        assert [a.id for a in stored] == sorted({a.id for a in stored})
        assert alarms.get(stored[1_234].id) == stored[1_234]
        assert len(alarms.search(active=True, limit=10_000)) == 2_500
        alarms.update_many([a.cleared(at(5), "up") for a in stored])
        assert alarms.search(active=True) == []
        assert alarms.get(stored[-1].id).clear_reason == "up"

    @pytest.mark.parametrize("where", ["in the store", "in the batch"])
    def test_insert_many_stores_nothing_when_a_key_is_already_active(
        self, alarms: AlarmStore, where: str
    ) -> None:
        before = [alarms.insert(new(KEY))] if where == "in the store" else []
        batch = [new(SITE_KEY), new(KEY, 1)] + ([new(KEY, 2)] if where == "in the batch" else [])
        with pytest.raises(DuplicateActiveAlarmError, match="link-down br-a-001/inet-1"):
            alarms.insert_many(batch)
        assert alarms.search() == before
        assert alarms.find_active(SITE_KEY) is None
        # The refused batch left nothing behind: its first key is free.
        stored = alarms.insert_many([new(SITE_KEY)])
        assert alarms.find_active(SITE_KEY) == stored[0]

    def test_update_many_replaces_each_alarm_in_order(self, alarms: AlarmStore) -> None:
        alarms.update_many([])
        cause, link, other = alarms.insert_many([new(SITE_KEY), new(KEY), new(KEY2)])
        acked = link.acknowledge("noc", at(1))
        alarms.update_many(
            [acked, replace(other, suppressed_by=cause.id), acked.cleared(at(2), "link up")]
        )
        assert alarms.get(link.id) == acked.cleared(at(2), "link up")  # the last one wins
        assert alarms.get(other.id).suppressed_by == cause.id
        assert alarms.get(cause.id) == cause
        assert alarms.find_active(KEY) is None
        assert [a.id for a in alarms.search(active=True)] == [other.id, cause.id]
        again = alarms.insert(new(KEY, 3))
        assert alarms.find_active(KEY) == again

    def test_update_many_changes_nothing_when_an_id_is_unknown(self, alarms: AlarmStore) -> None:
        first, second = alarms.insert_many([new(SITE_KEY), new(KEY)])
        batch = [
            first.cleared(at(1), "up"),
            replace(second, id=10_000),
            second.cleared(at(1), "up"),
        ]
        with pytest.raises(AlarmNotFoundError) as caught:
            alarms.update_many(batch)
        assert caught.value.args == (10_000,)
        assert [alarms.get(first.id), alarms.get(second.id)] == [first, second]
        assert alarms.find_active(SITE_KEY) == first


class TestMemoryAlarmStore(AlarmStoreContract):
    @pytest.fixture
    def alarms(self) -> AlarmStore:
        return MemoryAlarmStore()
