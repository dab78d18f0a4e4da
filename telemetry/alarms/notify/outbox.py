"""Turns alarm events into deliveries: de-duplication, cool-down, retries, and a record of
what could not be delivered. Takes `now`; the caller's loop calls `deliver(now)`.

- Only RAISED (of an unsuppressed alarm), UNSUPPRESSED (it becomes visible) and CLEARED (of an
  alarm whose raise was notified) are notified; suppressed, acknowledged: not.
- De-duplication: an (alarm id, event) is queued at most once, whatever repeats upstream.
- Cool-down: a key raised again within `cooldown` of its last notified raise is not notified
  (nor then its clear); it is counted in `cooled`, and the alarm is in the store all the same.
- Each (notification, notifier) is delivered and retried on its own, so a webhook outage never
  re-sends mail. Retries back off exponentially (`backoff_initial` doubling to `backoff_max`);
  after `max_attempts` the delivery moves to `failed` with its last error: recorded, not lost.

This is the policy; its records live in an `OutboxStore` (store.py): in memory by default, in
the controller's database there, so that pending and failed deliveries and what was notified
outlive a restart. The outbox forgets what can no longer matter: an alarm's marks once its clear
is handled, raise times older than the cool-down; the store keeps a bounded window of sent ones.
A `submit` costs the store one read and one write whatever the number of events (a storm of
thousands of alarms), with the outcome of handling its events one at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from telemetry.alarms.model import AlarmEvent, EventType
from telemetry.alarms.notify.base import Notification, Notifier, NotifyError
from telemetry.alarms.notify.store import (
    Delivery,
    DeliveryState,
    MemoryOutboxStore,
    OutboxChanges,
    OutboxStore,
    OutboxView,
)

log = logging.getLogger(__name__)

CONFLICT_RETRIES = 5
"""How many times `submit` decides again when the store refuses its changes (`apply`)."""

__all__ = ["Delivery", "DeliveryReport", "Outbox"]


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one `deliver` call did."""

    sent: int = 0
    retried: int = 0
    gave_up: int = 0


class Outbox:
    """Queue of notifications for a set of notifiers, kept in `store`. Thread-safe; one
    `deliver` runs at a time, so no delivery is sent twice by two callers."""

    def __init__(
        self,
        notifiers: Sequence[Notifier],
        *,
        cooldown: timedelta = timedelta(minutes=15),
        notify_clear: bool = True,
        max_attempts: int = 5,
        backoff_initial: timedelta = timedelta(seconds=30),
        backoff_max: timedelta = timedelta(minutes=30),
        store: OutboxStore | None = None,
    ) -> None:
        self.notifiers = {n.name: n for n in notifiers}
        self.cooldown = cooldown
        self.notify_clear = notify_clear
        self.max_attempts = max_attempts
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.store: OutboxStore = store if store is not None else MemoryOutboxStore()
        self.cooled = 0
        self._lock = threading.Lock()
        self._delivering = threading.Lock()

    @property
    def pending(self) -> list[Delivery]:
        """Deliveries waiting for their first try or a retry (the newest 1000), oldest first."""
        return self.store.deliveries(DeliveryState.PENDING)

    @property
    def failed(self) -> list[Delivery]:
        """Deliveries given up after `max_attempts`, with every error, until `retry_failed`
        (the newest 1000), oldest first."""
        return self.store.deliveries(DeliveryState.FAILED)

    @property
    def sent(self) -> list[Delivery]:
        """The newest sent deliveries the store still keeps, oldest first."""
        return self.store.deliveries(DeliveryState.SENT)

    def submit(self, events: Iterable[AlarmEvent]) -> int:
        """Queue what deserves a notification; returns how many notifications were queued.

        Whatever the number of events: one read of what the store knows about their alarms and
        keys, the decisions in memory, event by event, then one write. Should another writer
        change those records in between, the store refuses the write and it is decided again."""
        events = list(events)
        with self._lock:
            for _ in range(CONFLICT_RETRIES):
                plan = _Plan(self, events)
                if not plan.changes or self.store.apply(plan.changes):
                    self.cooled += plan.cooled
                    return plan.count
        raise RuntimeError(f"the outbox store kept refusing {len(events)} events' changes")

    def deliver(self, now: datetime) -> DeliveryReport:
        """Try every delivery that is due, oldest first; then let the store forget what can no
        longer matter (raise times past the cool-down, sent deliveries past its retention)."""
        sent = retried = gave_up = 0
        with self._delivering:
            for delivery in self.store.due(now):
                notifier = self.notifiers.get(delivery.notifier)
                try:
                    if notifier is None:  # e.g. queued before a restart with other settings
                        raise NotifyError(f"no {delivery.notifier!r} notifier is configured")
                    notifier.send(delivery.notification)
                except NotifyError as exc:
                    delivery.attempts += 1
                    delivery.errors.append(f"{now.isoformat()} {exc}")
                    if notifier is None or delivery.attempts >= self.max_attempts:
                        log.error("gave up notifying %s: %s", delivery.notification.subject, exc)
                        delivery.state, delivery.finished_at = DeliveryState.FAILED, now
                        gave_up += 1
                    else:
                        delivery.due = now + self._backoff(delivery.attempts)
                        retried += 1
                else:
                    delivery.attempts += 1
                    delivery.state, delivery.finished_at = DeliveryState.SENT, now
                    sent += 1
                self.store.save(delivery)
            self.store.forget_raises(now - self.cooldown)
            self.store.prune(now)
        return DeliveryReport(sent, retried, gave_up)

    def retry_failed(self, now: datetime) -> int:
        """Put every given-up delivery back in the queue (after fixing the channel)."""
        return self.store.retry_failed(now)

    def _backoff(self, attempts: int) -> timedelta:
        factor: int = 2 ** (attempts - 1)
        return min(self.backoff_initial * factor, self.backoff_max)


def _visible(event: AlarmEvent) -> bool:
    """A raise of an unsuppressed alarm, or an unsuppression: the alarm becomes visible."""
    return event.type is EventType.UNSUPPRESSED or (
        event.type is EventType.RAISED and event.alarm.suppressed_by is None
    )


class _Plan:
    """What `submit` does with `events`: read once, then each event in turn against a local view
    of the marks and raise times, which each decision updates as the store would have. The net
    result is `changes`, with `count` notifications queued and `cooled` raises held back."""

    def __init__(self, outbox: Outbox, events: Sequence[AlarmEvent]) -> None:
        self.count = self.cooled = 0
        self.changes = OutboxChanges()
        ids = {e.alarm.id for e in events if _visible(e) or e.type is EventType.CLEARED}
        keys = {e.alarm.key for e in events if _visible(e)}
        view = outbox.store.view(ids, keys) if ids else OutboxView({}, {})
        self._marks = {i: set(marks) for i, marks in view.marks.items()}
        self._raises = dict(view.raises)
        self._stored = set(view.marks)  # alarms whose marks in the store are not forgotten yet
        for event in events:
            self._handle(outbox, event)

    def _handle(self, outbox: Outbox, event: AlarmEvent) -> None:
        alarm, at = event.alarm, event.at
        notified = EventType.RAISED in self._marks.get(alarm.id, ())
        if _visible(event):
            if notified:
                return  # notified before it was suppressed (or a repeat): once is enough
            last = self._raises.get(alarm.key)
            if last is not None and at - last < outbox.cooldown:
                self.cooled += 1
                return
            note = Notification(EventType.RAISED, alarm)
            self._marks.setdefault(alarm.id, set()).add(EventType.RAISED)
            self.changes.marks[alarm.id, EventType.RAISED] = at
            self._raises[alarm.key] = self.changes.raises[alarm.key] = at
        elif event.type is EventType.CLEARED:
            self._forget(alarm.id)  # nothing more will be notified about this alarm
            if not (notified and outbox.notify_clear):
                return
            note = Notification(EventType.CLEARED, alarm)
        else:
            return
        self.changes.deliveries += [Delivery(note, name, due=at) for name in outbox.notifiers]
        self.count += 1

    def _forget(self, alarm_id: int) -> None:
        self._marks.pop(alarm_id, None)
        if alarm_id in self._stored:
            self._stored.discard(alarm_id)
            self.changes.forget.add(alarm_id)
        for event in EventType:
            self.changes.marks.pop((alarm_id, event), None)
