"""The reference the manager's batch path is held to: the lifecycle as it was applied one alarm at
a time before batch writes (a `find_active` and an `insert` or `update` per alarm, then every
active alarm read again to resuppress), and storms of operations to replay through both.

`PerAlarmManager` is that code, unchanged but for its name; `storm` draws a seeded mix of ticks
(new raises, keys already active, keys raised twice, clears of keys with no active alarm, a key
cleared and raised in the same tick, sites and the hub going offline and back), operator
clears, acknowledgements and push failures.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

import networkx as nx

from sites.inventory import Inventory
from telemetry.alarms import (
    Alarm,
    AlarmEvent,
    AlarmKey,
    AlarmKind,
    AlarmSpec,
    AlarmStore,
    EngineResult,
    EventType,
    Severity,
    suppression,
)
from tests.telemetry.health.builders import at


class PerAlarmManager:
    """`AlarmManager.apply`, `raise_alarm`, `clear` and `acknowledge` with one store call per
    alarm (the manager of commit 9741c11)."""

    def __init__(self, store: AlarmStore, graph: nx.DiGraph) -> None:
        self.store = store
        self.graph = graph
        self._lock = threading.RLock()

    def apply(self, result: EngineResult, now: datetime) -> list[AlarmEvent]:
        with self._lock:
            events: list[AlarmEvent] = []
            for key, reason in result.cleared:
                events += self._clear(key, now, reason)
            raised = [a for spec in result.raised if (a := self._insert(spec, now)) is not None]
            return self._resuppress(events, raised, now)

    def raise_alarm(self, spec: AlarmSpec, now: datetime) -> list[AlarmEvent]:
        with self._lock:
            alarm = self._insert(spec, now)
            return self._resuppress([], [] if alarm is None else [alarm], now)

    def clear(
        self, key: AlarmKey, now: datetime, reason: str = "cleared by operator"
    ) -> list[AlarmEvent]:
        with self._lock:
            return self._resuppress(self._clear(key, now, reason), [], now)

    def acknowledge(self, alarm_id: int, by: str, now: datetime) -> list[AlarmEvent]:
        with self._lock:
            alarm = self.store.get(alarm_id)
            if alarm.acknowledged:
                return []
            acked = alarm.acknowledge(by, now)
            self.store.update(acked)
            return [AlarmEvent(EventType.ACKNOWLEDGED, acked, now)]

    def _insert(self, spec: AlarmSpec, now: datetime) -> Alarm | None:
        if self.store.find_active(spec.key) is not None:
            return None
        return self.store.insert(Alarm(0, spec.key, spec.severity, spec.message, raised_at=now))

    def _clear(self, key: AlarmKey, now: datetime, reason: str) -> list[AlarmEvent]:
        alarm = self.store.find_active(key)
        if alarm is None:
            return []
        done = alarm.cleared(now, reason)
        self.store.update(done)
        return [
            AlarmEvent(EventType.CLEARED, replace(done, suppressed_by=alarm.suppressed_by), now)
        ]

    def _resuppress(
        self, events: list[AlarmEvent], raised: list[Alarm], now: datetime
    ) -> list[AlarmEvent]:
        active = self.store.search(active=True, limit=1_000_000)
        wanted = suppression(self.graph, active)
        new = {a.id for a in raised}
        for alarm in sorted(active, key=lambda a: a.id):
            by = wanted.get(alarm.id)
            if alarm.id in new:
                fresh = alarm if by is None else replace(alarm, suppressed_by=by)
                if by is not None:
                    self.store.update(fresh)
                events.append(AlarmEvent(EventType.RAISED, fresh, now))
            elif by != alarm.suppressed_by:
                changed = replace(alarm, suppressed_by=by)
                self.store.update(changed)
                kind = EventType.SUPPRESSED if by is not None else EventType.UNSUPPRESSED
                events.append(AlarmEvent(kind, changed, now))
        return events


class Lifecycle(Protocol):
    """What both managers offer and the storms call."""

    @property
    def store(self) -> AlarmStore: ...

    def apply(self, result: EngineResult, now: datetime) -> list[AlarmEvent]: ...

    def raise_alarm(self, spec: AlarmSpec, now: datetime) -> list[AlarmEvent]: ...

    def clear(self, key: AlarmKey, now: datetime, reason: str = ...) -> list[AlarmEvent]: ...

    def acknowledge(self, alarm_id: int, by: str, now: datetime) -> list[AlarmEvent]: ...


Step = Callable[[Lifecycle], list[AlarmEvent]]


def keys_of(inventory: Inventory) -> list[AlarmKey]:
    """Every key an alarm of this network can have."""
    keys = []
    for site in inventory.sites:
        keys += [
            AlarmKey(AlarmKind.SITE_OFFLINE, site.id),
            AlarmKey(AlarmKind.PUSH_FAILURE, site.id),
        ]
        for link in site.links:
            keys += [
                AlarmKey(kind, site.id, link.id)
                for kind in (AlarmKind.LINK_DOWN, AlarmKind.SLA_VIOLATION, AlarmKind.LINK_FLAPPING)
            ]
    return keys


def spec(key: AlarmKey, t: float) -> AlarmSpec:
    return AlarmSpec(key, Severity.MAJOR, f"{key} at {t:g}")


def apply(raised: list[AlarmKey], cleared: list[AlarmKey], t: float) -> Step:
    result = EngineResult(
        tuple(spec(k, t) for k in raised), tuple((k, f"ended at {t:g}") for k in cleared)
    )
    return lambda m: m.apply(result, at(t))


def raise_alarm(key: AlarmKey, t: float) -> Step:
    return lambda m: m.raise_alarm(spec(key, t), at(t))


def clear(key: AlarmKey, t: float) -> Step:
    return lambda m: m.clear(key, at(t))


def acknowledge(key: AlarmKey, t: float) -> Step:
    def step(m: Lifecycle) -> list[AlarmEvent]:
        alarm = m.store.find_active(key)
        return [] if alarm is None else m.acknowledge(alarm.id, "noc", at(t))

    return step


def storm(inventory: Inventory, seed: int, ticks: int = 30) -> list[Step]:
    """Seeded ticks over every key of `inventory`; site-offline keys (the hub's too) come and go
    more rarely than link keys, so that suppression has time to matter."""
    rng = random.Random(seed)
    keys = keys_of(inventory)
    causes = [k for k in keys if k.kind is AlarmKind.SITE_OFFLINE]
    others = [k for k in keys if k.kind is not AlarmKind.SITE_OFFLINE]
    steps: list[Step] = []
    for tick in range(ticks):
        t = 5.0 * tick
        raised = rng.sample(others, rng.randrange(0, len(others) // 2))
        raised += rng.sample(causes, rng.choice([0, 0, 1, 3]))
        raised += rng.sample(raised, min(len(raised), rng.randrange(0, 3)))  # raised twice
        cleared = rng.sample(keys, rng.randrange(0, len(keys) // 2))
        rng.shuffle(raised)
        steps.append(apply(raised, cleared, t))
        if rng.random() < 0.3:
            steps.append(acknowledge(rng.choice(keys), t + 1))
        if rng.random() < 0.3:
            steps.append(clear(rng.choice(keys), t + 2))
        if rng.random() < 0.3:
            steps.append(raise_alarm(rng.choice(others), t + 3))
    return steps
