"""The alarm lifecycle over a store: raise, clear, acknowledge, and keep suppression current.

Every operation takes `now` and returns the `AlarmEvent`s it caused, in order; the caller hands
them to a `notify.Outbox`. The manager holds no state of its own beyond the store and the graph,
so a database-backed store can replace the in-memory one without changing anything here.
"""

from __future__ import annotations

import threading
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
        with self._lock:
            events: list[AlarmEvent] = []
            for key, reason in result.cleared:
                events += self._clear(key, now, reason)
            raised = [a for spec in result.raised if (a := self._insert(spec, now)) is not None]
            return self._resuppress(events, raised, now)

    def raise_alarm(self, spec: AlarmSpec, now: datetime) -> list[AlarmEvent]:
        """Raise an alarm; nothing happens if its key is already active (de-duplication)."""
        with self._lock:
            alarm = self._insert(spec, now)
            return self._resuppress([], [] if alarm is None else [alarm], now)

    def report_failure(
        self,
        kind: AlarmKind,
        site: str,
        message: str,
        now: datetime,
        severity: Severity | None = None,
    ) -> list[AlarmEvent]:
        """A caller reports a push or ZTP failure of a site (kinds in `EXTERNAL_KINDS`)."""
        if kind not in EXTERNAL_KINDS:
            raise AlarmError(f"{kind} is derived from telemetry; callers report only push/ZTP")
        spec = AlarmSpec(AlarmKey(kind, site), severity or DEFAULT_SEVERITY[kind], message)
        return self.raise_alarm(spec, now)

    def report_success(self, kind: AlarmKind, site: str, now: datetime) -> list[AlarmEvent]:
        """A later push or ZTP of the site succeeded: clear its failure alarm, if any."""
        return self.clear(AlarmKey(kind, site), now, reason="succeeded")

    def clear(
        self, key: AlarmKey, now: datetime, reason: str = "cleared by operator"
    ) -> list[AlarmEvent]:
        """Clear the active alarm with this key (none active: no events)."""
        with self._lock:
            return self._resuppress(self._clear(key, now, reason), [], now)

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
        # The event carries who suppressed it until now, so the notifier knows it was silent.
        return [
            AlarmEvent(EventType.CLEARED, replace(done, suppressed_by=alarm.suppressed_by), now)
        ]

    def _resuppress(
        self, events: list[AlarmEvent], raised: list[Alarm], now: datetime
    ) -> list[AlarmEvent]:
        """Recompute who suppresses whom; new alarms get RAISED (with their suppressor set),
        alarms whose suppression changed get SUPPRESSED or UNSUPPRESSED."""
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
