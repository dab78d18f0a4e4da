"""The alarm lifecycle over a store: raise, clear, acknowledge, and keep suppression current.

Every operation takes `now` and returns the `AlarmEvent`s it caused, in order; the caller hands
them to a `notify.Outbox`. The manager holds no state of its own beyond the store and the graph,
so a database-backed store can replace the in-memory one without changing anything here.

An operation reads the active alarms once, works out in memory what to clear, raise and
(un)suppress, and writes each of the three with one batch call of the store (`update_many`,
`insert_many`, `update_many`). An alarm storm thus costs one read and at most three write
transactions, not one per alarm. The events are those of applying the changes one alarm at a
time: clears in the order given, then raises in the order given (a key already active, or raised
twice, is raised once), then suppression changes by alarm id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

import networkx as nx

from telemetry.alarms.engine import EngineResult
from telemetry.alarms.graph import suppression
from telemetry.alarms.model import (
    DEFAULT_SEVERITY,
    EXTERNAL_KINDS,
    Alarm,
    AlarmError,
    AlarmEvent,
    AlarmKey,
    AlarmKind,
    AlarmSpec,
    EventType,
    Severity,
)
from telemetry.alarms.store import AlarmStore

ACTIVE_LIMIT = 1_000_000
"""Enough for every active alarm of any network (a 10,000-site network has ~17,000 links)."""


class AlarmManager:
    """Applies engine results and callers' reports to an `AlarmStore`.

    `graph` is the dependency graph (`graph.dependency_graph`); without one nothing is
    suppressed. Thread-safe: one lock around each operation.
    """

    def __init__(self, store: AlarmStore, graph: nx.DiGraph | None = None) -> None:
        self.store = store
        self.graph = graph if graph is not None else nx.DiGraph()
        self._lock = threading.RLock()

    def apply(self, result: EngineResult, now: datetime) -> list[AlarmEvent]:
        """Raise and clear what an `AlarmEngine.evaluate` returned."""
        return self._apply(result.cleared, result.raised, now)

    def raise_alarm(self, spec: AlarmSpec, now: datetime) -> list[AlarmEvent]:
        """Raise an alarm; nothing happens if its key is already active (de-duplication)."""
        return self._apply((), (spec,), now)

    def report_failure(
        self,
        kind: AlarmKind,
        site: str,
        message: str,
        now: datetime,
        severity: Severity | None = None,
    ) -> list[AlarmEvent]:
        """A caller reports a push or ZTP failure, or a configuration drift, of a site (kinds in
        `EXTERNAL_KINDS`)."""
        if kind not in EXTERNAL_KINDS:
            raise AlarmError(
                f"{kind} is derived from telemetry; callers report only push, ZTP and drift"
            )
        spec = AlarmSpec(AlarmKey(kind, site), severity or DEFAULT_SEVERITY[kind], message)
        return self.raise_alarm(spec, now)

    def report_success(self, kind: AlarmKind, site: str, now: datetime) -> list[AlarmEvent]:
        """A later push or ZTP of the site succeeded (or its CPEs run what they were given
        again): clear its alarm of that kind, if any."""
        return self.clear(AlarmKey(kind, site), now, reason="succeeded")

    def clear(
        self, key: AlarmKey, now: datetime, reason: str = "cleared by operator"
    ) -> list[AlarmEvent]:
        """Clear the active alarm with this key (none active: no events)."""
        return self._apply(((key, reason),), (), now)

    def acknowledge(self, alarm_id: int, by: str, now: datetime) -> list[AlarmEvent]:
        """An operator takes an active alarm in hand. Raises `AlarmStateError` if cleared."""
        with self._lock:
            alarm = self.store.get(alarm_id)
            if alarm.acknowledged:
                return []
            acked = alarm.acknowledge(by, now)
            self.store.update(acked)
            return [AlarmEvent(EventType.ACKNOWLEDGED, acked, now)]

    def active(self, site: str | None = None) -> list[Alarm]:
        return self.store.search(active=True, site=site)

    def _apply(
        self,
        cleared: Iterable[tuple[AlarmKey, str]],
        raised: Iterable[AlarmSpec],
        now: datetime,
    ) -> list[AlarmEvent]:
        with self._lock:
            active = {a.key: a for a in self.store.search(active=True, limit=ACTIVE_LIMIT)}
            events, done = self._clear(active, cleared, now)
            if done:  # before the inserts: a key cleared here may be raised again at once
                self.store.update_many(done)
            to_insert = self._new(active, raised, now)
            new = self.store.insert_many(to_insert) if to_insert else []
            active.update((a.key, a) for a in new)
            events, changed = self._resuppress(events, active.values(), {a.id for a in new}, now)
            if changed:
                self.store.update_many(changed)
            return events

    @staticmethod
    def _clear(
        active: dict[AlarmKey, Alarm], cleared: Iterable[tuple[AlarmKey, str]], now: datetime
    ) -> tuple[list[AlarmEvent], list[Alarm]]:
        """Clear the active alarms of these keys (taking them out of `active`); keys with none
        active are skipped. Returns the CLEARED events and the alarms to write."""
        events: list[AlarmEvent] = []
        done: list[Alarm] = []
        for key, reason in cleared:
            alarm = active.pop(key, None)
            if alarm is None:
                continue
            done.append(alarm.cleared(now, reason))
            # The event carries who suppressed it until now, so the notifier knows it was silent.
            suppressed = replace(done[-1], suppressed_by=alarm.suppressed_by)
            events.append(AlarmEvent(EventType.CLEARED, suppressed, now))
        return events, done

    @staticmethod
    def _new(
        active: dict[AlarmKey, Alarm], raised: Iterable[AlarmSpec], now: datetime
    ) -> list[Alarm]:
        """The alarms to insert: one per key not active yet (de-duplication), in spec order."""
        taken = set(active)
        new: list[Alarm] = []
        for spec in raised:
            if spec.key not in taken:
                taken.add(spec.key)
                new.append(Alarm(0, spec.key, spec.severity, spec.message, raised_at=now))
        return new

    def _resuppress(
        self, events: list[AlarmEvent], active: Iterable[Alarm], raised: set[int], now: datetime
    ) -> tuple[list[AlarmEvent], list[Alarm]]:
        """Recompute who suppresses whom among the `active` alarms; the new ones (ids in
        `raised`) get RAISED (with their suppressor set), alarms whose suppression changed get
        SUPPRESSED or UNSUPPRESSED. Returns the events and the alarms to write."""
        # In the order the store's search gives (newest first), as the graph walk has always
        # seen them.
        alarms = sorted(active, key=lambda a: (a.raised_at, a.id), reverse=True)
        wanted = suppression(self.graph, alarms)
        changed: list[Alarm] = []
        for alarm in sorted(alarms, key=lambda a: a.id):
            by = wanted.get(alarm.id)
            if alarm.id in raised:
                fresh = alarm if by is None else replace(alarm, suppressed_by=by)
                if by is not None:
                    changed.append(fresh)
                events.append(AlarmEvent(EventType.RAISED, fresh, now))
            elif by != alarm.suppressed_by:
                changed.append(replace(alarm, suppressed_by=by))
                kind = EventType.SUPPRESSED if by is not None else EventType.UNSUPPRESSED
                events.append(AlarmEvent(kind, changed[-1], now))
        return events, changed
