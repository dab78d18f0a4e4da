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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from telemetry.alarms.model import AlarmEvent, EventType
from telemetry.alarms.notify.base import Notification, Notifier, NotifyError
from telemetry.alarms.notify.store import Delivery, DeliveryState, MemoryOutboxStore, OutboxStore

log = logging.getLogger(__name__)

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
        """Queue what deserves a notification; returns how many notifications were queued."""
        count = 0
        with self._lock:
            for event in events:
                cleared = event.type is EventType.CLEARED
                note = self._notification(event)
                if note is not None:
                    if self.store.enqueue(note, list(self.notifiers), event.at, last=cleared):
                        count += 1
                elif cleared:  # nothing more will be notified about this alarm
                    self.store.forget(event.alarm.id)
        return count

    def _notification(self, event: AlarmEvent) -> Notification | None:
        alarm = event.alarm
        visible = event.type is EventType.UNSUPPRESSED or (
            event.type is EventType.RAISED and alarm.suppressed_by is None
        )
        if visible:
            if self.store.notified(alarm.id, EventType.RAISED):
                return None  # notified before it was suppressed (or a repeat): once is enough
            last = self.store.last_raise(alarm.key)
            if last is not None and event.at - last < self.cooldown:
                self.cooled += 1
                return None
            return Notification(EventType.RAISED, alarm)
        if (
            event.type is EventType.CLEARED
            and self.notify_clear
            and self.store.notified(alarm.id, EventType.RAISED)
        ):
            return Notification(EventType.CLEARED, alarm)
        return None

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
