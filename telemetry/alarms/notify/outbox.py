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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telemetry.alarms.model import AlarmEvent, AlarmKey, EventType
from telemetry.alarms.notify.base import Notification, Notifier, NotifyError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Delivery:
    """One notification to one notifier, and how its attempts went."""

    notification: Notification
    notifier: str
    due: datetime
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one `deliver` call did."""

    sent: int = 0
    retried: int = 0
    gave_up: int = 0


class Outbox:
    """Queue of notifications for a set of notifiers. Thread-safe."""

    def __init__(
        self,
        notifiers: Sequence[Notifier],
        *,
        cooldown: timedelta = timedelta(minutes=15),
        notify_clear: bool = True,
        max_attempts: int = 5,
        backoff_initial: timedelta = timedelta(seconds=30),
        backoff_max: timedelta = timedelta(minutes=30),
    ) -> None:
        self.notifiers = {n.name: n for n in notifiers}
        self.cooldown = cooldown
        self.notify_clear = notify_clear
        self.max_attempts = max_attempts
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.pending: list[Delivery] = []
        self.failed: list[Delivery] = []
        self.sent: list[Delivery] = []
        self.cooled = 0
        self._queued: set[tuple[int, EventType]] = set()
        self._last_raise: dict[AlarmKey, datetime] = {}
        self._lock = threading.Lock()

    def submit(self, events: Iterable[AlarmEvent]) -> int:
        """Queue what deserves a notification; returns how many notifications were queued."""
        count = 0
        with self._lock:
            for event in events:
                note = self._notification(event)
                if note is None or (note.alarm.id, note.event) in self._queued:
                    continue
                self._queued.add((note.alarm.id, note.event))
                for name in self.notifiers:
                    self.pending.append(Delivery(note, name, due=event.at))
                count += 1
        return count

    def _notification(self, event: AlarmEvent) -> Notification | None:
        alarm = event.alarm
        visible = event.type is EventType.UNSUPPRESSED or (
            event.type is EventType.RAISED and alarm.suppressed_by is None
        )
        if visible:
            if (alarm.id, EventType.RAISED) in self._queued:
                return None  # notified before it was suppressed: once is enough
            last = self._last_raise.get(alarm.key)
            if last is not None and event.at - last < self.cooldown:
                self.cooled += 1
                return None
            self._last_raise[alarm.key] = event.at
            return Notification(EventType.RAISED, alarm)
        if (
            event.type is EventType.CLEARED
            and self.notify_clear
            and (alarm.id, EventType.RAISED) in self._queued
        ):
            return Notification(EventType.CLEARED, alarm)
        return None

    def deliver(self, now: datetime) -> DeliveryReport:
        """Try every delivery that is due, oldest first."""
        with self._lock:
            due = [d for d in self.pending if d.due <= now]
        sent = retried = gave_up = 0
        for delivery in due:
            try:
                self.notifiers[delivery.notifier].send(delivery.notification)
            except NotifyError as exc:
                delivery.attempts += 1
                delivery.errors.append(f"{now.isoformat()} {exc}")
                if delivery.attempts >= self.max_attempts:
                    log.error("gave up notifying %s: %s", delivery.notification.subject, exc)
                    self._move(delivery, self.failed)
                    gave_up += 1
                else:
                    delivery.due = now + self._backoff(delivery.attempts)
                    retried += 1
                continue
            delivery.attempts += 1
            self._move(delivery, self.sent)
            sent += 1
        return DeliveryReport(sent, retried, gave_up)

    def retry_failed(self, now: datetime) -> int:
        """Put every given-up delivery back in the queue (after fixing the channel)."""
        with self._lock:
            revived, self.failed = self.failed, []
            for delivery in revived:
                delivery.attempts, delivery.due = 0, now
            self.pending += revived
            return len(revived)

    def _backoff(self, attempts: int) -> timedelta:
        factor: int = 2 ** (attempts - 1)
        return min(self.backoff_initial * factor, self.backoff_max)

    def _move(self, delivery: Delivery, to: list[Delivery]) -> None:
        with self._lock:
            self.pending.remove(delivery)
            to.append(delivery)
