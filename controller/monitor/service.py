"""One monitor tick: newest samples -> health snapshot -> alarms -> notifications.

The pure parts (scoring, the alarm engine) live in `telemetry`; this shell owns their state
between ticks and rebuilds them when the inventory changes (the audit log's newest id is the
generation, as for the reconciler; `Store.current`). The controller keeps alarms in its database
(`Store.alarms`): after a restart the engine adopts the active ones, so an alarm still active is
neither raised nor notified again, and acknowledgements and history are kept. Its outbox keeps
its records there too (`Store.outbox`): a notification not yet sent is sent after a restart, and
the clear of an alarm whose raise was notified before it is notified. Without an `alarm_store`
or an `outbox_store` they are kept in memory and lost with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from controller.errors import NoInventoryError
from controller.store.alarm_store import ACTIVE_MAX
from controller.store.facade import Store
from telemetry.alarms import (
    Alarm,
    AlarmEngine,
    AlarmEvent,
    AlarmKind,
    AlarmManager,
    AlarmNotFoundError,
    AlarmStore,
    EventType,
    MemoryAlarmStore,
    dependency_graph,
)
from telemetry.alarms.notify import Outbox, OutboxStore
from telemetry.alarms.notify.base import Notifier
from telemetry.health import HealthLayout, HealthRules, HealthSnapshot, score
from telemetry.store.base import TelemetryStore


@dataclass(frozen=True)
class ActiveAlarms:
    """The active alarms as of one read: newest raised first, and per site."""

    alarms: tuple[Alarm, ...]
    by_site: Mapping[str, tuple[Alarm, ...]] = field(init=False)

    def __post_init__(self) -> None:
        by_site: dict[str, list[Alarm]] = {}
        for alarm in self.alarms:
            by_site.setdefault(alarm.key.site, []).append(alarm)
        object.__setattr__(self, "by_site", {s: tuple(a) for s, a in by_site.items()})

    def at(self, site: str) -> tuple[Alarm, ...]:
        return self.by_site.get(site, ())


class Monitor:
    def __init__(
        self,
        store: Store,
        telemetry: TelemetryStore,
        notifiers: Sequence[Notifier] = (),
        rules: HealthRules | None = None,
        alarm_store: AlarmStore | None = None,
        *,
        outbox_store: OutboxStore | None = None,
    ) -> None:
        self._store = store
        self._telemetry = telemetry
        self._rules = rules or HealthRules()
        self.alarms = alarm_store if alarm_store is not None else MemoryAlarmStore()
        self.outbox = Outbox(list(notifiers), store=outbox_store)
        self.snapshot: HealthSnapshot | None = None
        self._layout: HealthLayout | None = None
        self._engine: AlarmEngine | None = None
        self._manager: AlarmManager | None = None
        self._lock = threading.Lock()  # the loop ticks in a worker thread, the API acknowledges
        self._recovered = False  # the first tick queues clears a stop left unqueued
        self._alarm_changes = 0  # bumped by what may change the active alarms (`active`)
        self._active: tuple[int, ActiveAlarms] | None = None

    def tick(
        self, now: datetime, prepare: Callable[[HealthSnapshot], object] | None = None
    ) -> list[AlarmEvent]:
        """Score every site, raise and clear alarms, and send what must be sent. `prepare` is
        given the new snapshot before readers see it (the answers rendered from it)."""
        if not self._recovered:
            self.outbox.submit(self._unqueued_clears())
            self._recovered = True
        with self._lock:
            try:
                layout, engine, manager = self._refresh()
            except NoInventoryError:  # nothing imported yet: nothing to watch
                return []
            latest = self._telemetry.latest(now=now, lookback=self._rules.stale_after)
            snapshot = score(layout, latest, now, self._rules)
            events = manager.apply(engine.evaluate(snapshot, now), now)
            self._alarm_changes += 1  # and once a tick, for another process's changes
        if prepare is not None:
            prepare(snapshot)
        self.snapshot = snapshot
        self.outbox.submit(events)
        self.outbox.deliver(now)
        return events

    def _unqueued_clears(self) -> list[AlarmEvent]:
        """The clears of notified alarms that the outbox never saw: the process stopped after
        an alarm's clear was stored and before its notification was queued. The outbox mails
        each one it still holds a raise mark for, as it would have then."""
        active = {a.id for a in self.alarms.search(active=True, limit=ACTIVE_MAX)}
        events = []
        for alarm_id in self.outbox.store.marked():
            if alarm_id in active:
                continue
            try:
                alarm = self.alarms.get(alarm_id)
            except AlarmNotFoundError:  # kept elsewhere before: nothing to tell about it
                continue
            if alarm.cleared_at is not None:
                events.append(AlarmEvent(EventType.CLEARED, alarm, alarm.cleared_at))
        return events

    def current(self, now: datetime) -> HealthSnapshot:
        """The last tick's snapshot; before the first tick, one scored now (no alarms)."""
        snapshot = self.snapshot
        if snapshot is not None:
            return snapshot
        with self._lock:
            layout = self._refresh()[0]
            latest = self._telemetry.latest(now=now, lookback=self._rules.stale_after)
            return score(layout, latest, now, self._rules)

    def layout(self) -> HealthLayout:
        """The health layout of the current inventory (for history views)."""
        with self._lock:
            return self._refresh()[0]

    def report(self, kind: AlarmKind, site: str, failure: str | None, now: datetime) -> None:
        """A caller's news about a site (a push, a ZTP, a drift check; `EXTERNAL_KINDS`): a
        failure raises (or keeps) the site's alarm of that kind, None clears it; notified."""
        with self._lock:
            _, _, manager = self._refresh()
            if failure is None:
                events = manager.report_success(kind, site, now)
            else:
                events = manager.report_failure(kind, site, failure, now)
            self._alarm_changes += 1
            self.outbox.submit(events)

    def active(self) -> ActiveAlarms:
        """The active alarms, read from the store once per change this process may have made
        to them (a tick, a report, an acknowledgment; a tick also catches another process's)
        and shared: the console's alarm list and site panels ask every few seconds, and a read
        of every active alarm per ask would wait on the database under full ingest."""
        changes = self._alarm_changes  # before the read: a change during it reads again
        kept = self._active
        if kept is not None and kept[0] == changes:
            return kept[1]
        active = ActiveAlarms(tuple(self.alarms.search(active=True, limit=ACTIVE_MAX)))
        self._active = (changes, active)
        return active

    def acknowledge(self, alarm_id: int, by: str, now: datetime) -> Alarm:
        with self._lock:
            _, _, manager = self._refresh()
            self.outbox.submit(manager.acknowledge(alarm_id, by, now))
            self._alarm_changes += 1
            return self.alarms.get(alarm_id)

    def _refresh(self) -> tuple[HealthLayout, AlarmEngine, AlarmManager]:
        inventory, layout = self._store.current.derived(HealthLayout.from_inventory)
        if layout is not self._layout:  # a new generation: a new layout was derived
            active = [a.key for a in self.alarms.search(active=True, limit=ACTIVE_MAX)]
            self._engine = AlarmEngine(layout, active=active)
            self._manager = AlarmManager(self.alarms, dependency_graph(inventory))
            self._layout = layout
        assert self._engine is not None and self._manager is not None
        return layout, self._engine, self._manager
