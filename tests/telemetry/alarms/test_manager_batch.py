"""The manager's batch path (one read, batch writes) gives exactly the events, in the same order,
and leaves exactly the alarms that applying every change one alarm at a time gave
(`per_alarm.PerAlarmManager`, the manager before batch writes)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest

from sites.inventory import Inventory
from telemetry.alarms import (
    Alarm,
    AlarmKey,
    AlarmKind,
    AlarmManager,
    AlarmStore,
    EventType,
    MemoryAlarmStore,
    dependency_graph,
)
from tests.telemetry.alarms.per_alarm import (
    Lifecycle,
    PerAlarmManager,
    Step,
    acknowledge,
    apply,
    clear,
    raise_alarm,
    storm,
)

HUB = "dc-shanghai"
SPOKE = "br-xiaogan-001"
OTHER = "br-foshan-001"
LINK = AlarmKey(AlarmKind.LINK_DOWN, SPOKE, "inet-1")
SLA = AlarmKey(AlarmKind.SLA_VIOLATION, SPOKE, "mpls-1")
OFFLINE = AlarmKey(AlarmKind.SITE_OFFLINE, SPOKE)
HUB_OFFLINE = AlarmKey(AlarmKind.SITE_OFFLINE, HUB)
OTHER_LINK = AlarmKey(AlarmKind.LINK_DOWN, OTHER, "inet-1")
OTHER_OFFLINE = AlarmKey(AlarmKind.SITE_OFFLINE, OTHER)
PUSH = AlarmKey(AlarmKind.PUSH_FAILURE, SPOKE)

MIXED = [
    # New raises with their cause in the same tick (raised already suppressed), a key raised
    # twice, and clears of keys that have no active alarm.
    apply([LINK, OTHER_LINK, OFFLINE, LINK, PUSH], [SLA, HUB_OFFLINE], 0),
    # Already-active keys raised again beside new ones; the other site goes offline and
    # suppresses an alarm raised in an earlier tick.
    apply([LINK, SLA, OTHER_OFFLINE, OFFLINE], [], 5),
    acknowledge(LINK, 6),
    # The hub goes offline: the spokes' site-offline alarms change suppressor.
    apply([HUB_OFFLINE], [AlarmKey(AlarmKind.LINK_FLAPPING, SPOKE, "inet-1")], 10),
    # A suppressed alarm clears (its event says who suppressed it), a key is cleared and raised
    # in the same tick (a new alarm), and the hub comes back.
    apply([OTHER_LINK], [SLA, OTHER_LINK, HUB_OFFLINE], 15),
    # The spoke comes back: what it suppressed shows again.
    apply([], [OFFLINE, OTHER_OFFLINE], 20),
    clear(PUSH, 21),
    raise_alarm(SLA, 22),
    raise_alarm(SLA, 23),
    apply([], [], 25),  # a quiet tick
]


def compare(steps: Sequence[Step], batch: Lifecycle, reference: Lifecycle) -> Counter[EventType]:
    seen: Counter[EventType] = Counter()
    for n, step in enumerate(steps):
        events = step(batch)
        assert events == step(reference), f"step {n}"
        assert everything(batch.store) == everything(reference.store), f"step {n}"
        seen.update(e.type for e in events)
    return seen


def everything(store: AlarmStore) -> list[Alarm]:
    return store.search(limit=1_000_000)


def test_a_mixed_storm_gives_the_per_alarm_events(network_12: Inventory) -> None:
    graph = dependency_graph(network_12)
    manager = AlarmManager(MemoryAlarmStore(), graph)
    seen = compare(MIXED, manager, PerAlarmManager(MemoryAlarmStore(), graph))
    assert set(seen) == set(EventType)
    first = MIXED[0](AlarmManager(MemoryAlarmStore(), graph))
    assert [(e.type, e.alarm.key, e.alarm.suppressed_by) for e in first] == [
        (EventType.RAISED, LINK, 3),  # ids in spec order: LINK 1, OTHER_LINK 2, OFFLINE 3
        (EventType.RAISED, OTHER_LINK, None),
        (EventType.RAISED, OFFLINE, None),
        (EventType.RAISED, PUSH, 3),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_random_storms_give_the_per_alarm_events(network_12: Inventory, seed: int) -> None:
    graph = dependency_graph(network_12)
    batch = AlarmManager(MemoryAlarmStore(), graph)
    seen = compare(storm(network_12, seed), batch, PerAlarmManager(MemoryAlarmStore(), graph))
    assert seen[EventType.RAISED] > 100 and seen[EventType.CLEARED] > 100
    assert seen[EventType.SUPPRESSED] > 0 and seen[EventType.UNSUPPRESSED] > 0


class CountingStore(MemoryAlarmStore):
    """A memory store that counts the calls the manager makes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def insert(self, alarm: Alarm) -> Alarm:
        self.calls["insert"] += 1
        return super().insert(alarm)

    def update(self, alarm: Alarm) -> None:
        self.calls["update"] += 1
        super().update(alarm)

    def insert_many(self, alarms: Sequence[Alarm]) -> list[Alarm]:
        self.calls["insert_many"] += 1
        return super().insert_many(alarms)

    def update_many(self, alarms: Sequence[Alarm]) -> None:
        self.calls["update_many"] += 1
        super().update_many(alarms)

    def find_active(self, key: AlarmKey) -> Alarm | None:
        self.calls["find_active"] += 1
        return super().find_active(key)

    def search(
        self,
        *,
        active: bool | None = None,
        site: str | None = None,
        kind: AlarmKind | None = None,
        limit: int = 1000,
    ) -> list[Alarm]:
        self.calls["search"] += 1
        return super().search(active=active, site=site, kind=kind, limit=limit)


def test_a_storm_is_one_read_and_a_batch_write_of_each_kind(network_12: Inventory) -> None:
    store = CountingStore()
    manager = AlarmManager(store, dependency_graph(network_12))
    links = [
        AlarmKey(AlarmKind.LINK_DOWN, s.id, link.id) for s in network_12.sites for link in s.links
    ]
    offline = [AlarmKey(AlarmKind.SITE_OFFLINE, s.id) for s in network_12.sites[1:4]]
    events = apply(links + offline, [], 0)(manager)
    assert len(events) == len(links) + len(offline)
    # Read once; insert the new alarms; set the suppressor of those their site explains.
    assert store.calls == {"search": 1, "insert_many": 1, "update_many": 1}
    store.calls.clear()
    assert apply([], [], 5)(manager) == []
    assert store.calls == {"search": 1}  # a quiet tick writes nothing
    store.calls.clear()
    events = apply(links, offline, 10)(manager)  # all already active; their causes clear
    assert {e.type for e in events} == {EventType.CLEARED, EventType.UNSUPPRESSED}
    assert store.calls == {"search": 1, "update_many": 2}
