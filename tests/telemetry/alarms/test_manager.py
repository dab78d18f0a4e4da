"""The lifecycle over a store, and suppression through the dependency graph."""

from __future__ import annotations

import networkx as nx
import pytest

from sites.inventory import Inventory
from telemetry.alarms import (
    AlarmError,
    AlarmKey,
    AlarmKind,
    AlarmManager,
    AlarmSpec,
    EventType,
    MemoryAlarmStore,
    Severity,
    dependency_graph,
    suppression,
)
from tests.telemetry.health.builders import at

SPOKE = "br-xiaogan-001"
HUB = "dc-shanghai"
LINK_DOWN = AlarmKey(AlarmKind.LINK_DOWN, SPOKE, "inet-1")
OFFLINE = AlarmKey(AlarmKind.SITE_OFFLINE, SPOKE)


def spec(key: AlarmKey) -> AlarmSpec:
    return AlarmSpec(key, Severity.MAJOR, str(key))


@pytest.fixture
def manager(network_12: Inventory) -> AlarmManager:
    return AlarmManager(MemoryAlarmStore(), dependency_graph(network_12))


def test_raise_is_deduplicated_and_clear_and_acknowledge_give_events(
    manager: AlarmManager,
) -> None:
    events = manager.raise_alarm(spec(LINK_DOWN), at(0))
    assert [e.type for e in events] == [EventType.RAISED]
    assert manager.raise_alarm(spec(LINK_DOWN), at(1)) == []
    alarm = events[0].alarm
    acked = manager.acknowledge(alarm.id, "noc", at(2))
    assert [e.type for e in acked] == [EventType.ACKNOWLEDGED]
    assert manager.acknowledge(alarm.id, "noc", at(3)) == []
    cleared = manager.clear(LINK_DOWN, at(4), "link up")
    assert [(e.type, e.alarm.clear_reason) for e in cleared] == [(EventType.CLEARED, "link up")]
    assert manager.active() == []
    assert manager.clear(LINK_DOWN, at(5)) == []


def test_site_offline_suppresses_its_link_alarms_until_it_clears(manager: AlarmManager) -> None:
    link = manager.raise_alarm(spec(LINK_DOWN), at(0))[0].alarm
    events = manager.raise_alarm(spec(OFFLINE), at(1))
    offline = next(e.alarm for e in events if e.type is EventType.RAISED)
    suppressed = [e for e in events if e.type is EventType.SUPPRESSED]
    assert [(e.alarm.id, e.alarm.suppressed_by) for e in suppressed] == [(link.id, offline.id)]
    assert manager.store.get(link.id).suppressed_by == offline.id
    # A link alarm raised while the site is offline is raised already suppressed.
    sla = AlarmKey(AlarmKind.SLA_VIOLATION, SPOKE, "mpls-1")
    (raised,) = manager.raise_alarm(spec(sla), at(2))
    assert raised.alarm.suppressed_by == offline.id
    # The site is back but the link is still down: the link alarm shows again.
    back = manager.clear(OFFLINE, at(3), "telemetry resumed")
    assert [(e.type, e.alarm.key) for e in back] == [
        (EventType.CLEARED, OFFLINE),
        (EventType.UNSUPPRESSED, LINK_DOWN),
        (EventType.UNSUPPRESSED, sla),
    ]


def test_push_and_ztp_failures_come_from_callers(manager: AlarmManager) -> None:
    events = manager.report_failure(AlarmKind.PUSH_FAILURE, SPOKE, "commit refused", at(0))
    assert events[0].alarm.severity is Severity.MAJOR
    assert events[0].alarm.key == AlarmKey(AlarmKind.PUSH_FAILURE, SPOKE)
    # The device being unreachable explains a push failure: suppressed by the site-offline.
    offline = manager.raise_alarm(spec(OFFLINE), at(1))
    assert {e.type for e in offline} == {EventType.RAISED, EventType.SUPPRESSED}
    done = manager.report_success(AlarmKind.PUSH_FAILURE, SPOKE, at(2))
    assert [(e.type, e.alarm.clear_reason) for e in done] == [(EventType.CLEARED, "succeeded")]
    with pytest.raises(AlarmError, match="derived from telemetry"):
        manager.report_failure(AlarmKind.LINK_DOWN, SPOKE, "no", at(3))


def test_a_hub_offline_suppresses_spokes_that_have_no_other_hub(manager: AlarmManager) -> None:
    hub = manager.raise_alarm(spec(AlarmKey(AlarmKind.SITE_OFFLINE, HUB)), at(0))[0].alarm
    spoke = manager.raise_alarm(spec(OFFLINE), at(1))[0].alarm
    link = manager.raise_alarm(spec(LINK_DOWN), at(2))[0].alarm
    assert spoke.suppressed_by == hub.id
    assert link.suppressed_by == spoke.id  # its own site is the nearest cause


def test_a_spoke_with_a_hub_still_up_is_not_suppressed() -> None:
    graph = nx.DiGraph([("site:hub-a", "site:br-x"), ("site:hub-b", "site:br-x")])
    graph.add_edge("site:br-x", "link:br-x/inet-1")
    store = MemoryAlarmStore()
    manager = AlarmManager(store, graph)
    a = manager.raise_alarm(spec(AlarmKey(AlarmKind.SITE_OFFLINE, "hub-a")), at(0))[0].alarm
    spoke = manager.raise_alarm(spec(AlarmKey(AlarmKind.SITE_OFFLINE, "br-x")), at(1))[0].alarm
    assert spoke.suppressed_by is None
    b = manager.raise_alarm(spec(AlarmKey(AlarmKind.SITE_OFFLINE, "hub-b")), at(2))
    assert [(e.type, e.alarm.id) for e in b if e.type is not EventType.RAISED] == [
        (EventType.SUPPRESSED, spoke.id)
    ]
    assert suppression(graph, store.search(active=True)) == {spoke.id: a.id}
