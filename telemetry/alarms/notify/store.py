"""Where the outbox keeps its records: the `OutboxStore` protocol and an in-memory one.

The outbox (outbox.py) decides what to notify, when to retry and when to give up; a store only
keeps what those decisions need between calls, and between processes if it is durable:

- deliveries: one per (notification, notifier), `pending`, `sent` or `failed`, with attempts,
  due time and errors; each carries its `Notification`, so the alarm *as it was at the event*;
- notified marks: which (alarm id, event) were queued, the de-duplication, and what tells a
  clear that its alarm's raise was notified. An alarm's marks go once its clear is handled;
- raise times: each key's last notified raise, for the cool-down, forgotten once older than it.

`Outbox.submit` reads the marks and raise times of a batch of events at once (`view`) and writes
what it decided in one all-or-nothing step (`apply`), so an alarm storm is one read and one write.

The controller keeps them in its database (controller/store/outbox_store.py), so a restart loses
no pending or failed delivery and still mails the clear of an alarm raised before it. Every
implementation passes the outbox's tests, `OutboxContract` in tests/telemetry/alarms/test_notify.py.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from telemetry.alarms.model import AlarmKey, EventType
from telemetry.alarms.notify.base import Notification


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its `due` time (first try or a retry)
    SENT = "sent"  # the notifier accepted it
    FAILED = "failed"  # given up after the outbox's `max_attempts`: kept until retried


@dataclass(slots=True)
class Delivery:
    """One notification to one notifier, and how its attempts went. `id` is the store's."""

    notification: Notification
    notifier: str
    due: datetime
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    state: DeliveryState = DeliveryState.PENDING
    finished_at: datetime | None = None  # when it was sent, or given up
    id: int = 0


@dataclass(frozen=True, slots=True)
class OutboxView:
    """What the store holds about some alarms and keys (`OutboxStore.view`)."""

    marks: Mapping[int, frozenset[EventType]]  # alarm id -> the events queued for it
    raises: Mapping[AlarmKey, datetime]  # key -> its last queued raise


@dataclass(slots=True)
class OutboxChanges:
    """What one `Outbox.submit` writes (`OutboxStore.apply`): the net effect of its events
    handled one after the other."""

    forget: set[int] = field(default_factory=set)  # alarms whose stored marks go, first
    marks: dict[tuple[int, EventType], datetime] = field(default_factory=dict)  # then added
    raises: dict[AlarmKey, datetime] = field(default_factory=dict)  # last raise times set
    deliveries: list[Delivery] = field(default_factory=list)  # new pending ones, in order

    def __bool__(self) -> bool:
        return bool(self.forget or self.marks or self.raises or self.deliveries)


@runtime_checkable
class OutboxStore(Protocol):
    """The outbox's deliveries, notified marks and raise times (see the module docstring)."""

    def view(self, alarm_ids: Collection[int], keys: Collection[AlarmKey]) -> OutboxView:
        """In one read: the notified marks of `alarm_ids` (those with a mark) and the last
        queued raise of `keys` (those with one not forgotten by `forget_raises`)."""
        ...

    def apply(self, changes: OutboxChanges) -> bool:
        """All or nothing, in one step: forget the marks of `changes.forget`, then add
        `changes.marks`, set `changes.raises` and add `changes.deliveries` (pending, in that
        order: their ids ascend in it). Returns False and changes nothing if the store no
        longer matches what the changes were decided on (another writer came first): an alarm
        to forget has no mark left, or a mark to add exists and is not forgotten with them."""
        ...

    def marked(self) -> list[int]:
        """The ids of the alarms that hold a mark (their clear not handled yet), ascending."""
        ...

    def forget_raises(self, before: datetime) -> None:
        """Drop the raise times older than `before`: they can no longer cool anything down."""
        ...

    def due(self, now: datetime) -> list[Delivery]:
        """The pending deliveries due at `now`, oldest first."""
        ...

    def save(self, delivery: Delivery) -> None:
        """Store how an attempt went: its attempts, errors, due time, state and finish time."""
        ...

    def deliveries(self, state: DeliveryState, limit: int = 1000) -> list[Delivery]:
        """The newest `limit` deliveries in `state`, oldest first."""
        ...

    def retry_failed(self, now: datetime) -> int:
        """Make every failed delivery pending again, due at `now` with no attempts (its errors
        kept); returns how many."""
        ...

    def prune(self, now: datetime) -> None:
        """Drop the sent deliveries the store no longer keeps (its retention); never a pending
        or failed one."""
        ...


class MemoryOutboxStore:
    """`OutboxStore` in memory, lost with the process; thread-safe. Bounded for a process that
    runs for months: it keeps the newest `keep_sent` sent deliveries, and marks and raise times
    only while they matter (the outbox forgets them)."""

    def __init__(self, keep_sent: int = 1000) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, Delivery] = {}
        self._failed: dict[int, Delivery] = {}
        self._sent: deque[Delivery] = deque(maxlen=keep_sent)
        self._marks: dict[int, set[EventType]] = {}
        self._raises: dict[AlarmKey, datetime] = {}
        self._next = 1

    def sizes(self) -> dict[str, int]:
        """How many records of each kind it holds now."""
        with self._lock:
            return {
                "pending": len(self._pending),
                "failed": len(self._failed),
                "sent": len(self._sent),
                "marks": sum(len(m) for m in self._marks.values()),
                "raises": len(self._raises),
            }

    def view(self, alarm_ids: Collection[int], keys: Collection[AlarmKey]) -> OutboxView:
        with self._lock:
            marks = {i: frozenset(self._marks[i]) for i in alarm_ids if i in self._marks}
            raises = {k: self._raises[k] for k in keys if k in self._raises}
            return OutboxView(marks, raises)

    def apply(self, changes: OutboxChanges) -> bool:
        with self._lock:
            if any(i not in self._marks for i in changes.forget) or any(
                i not in changes.forget and event in self._marks.get(i, ())
                for i, event in changes.marks
            ):
                return False
            for alarm_id in changes.forget:
                del self._marks[alarm_id]
            for alarm_id, event in changes.marks:
                self._marks.setdefault(alarm_id, set()).add(event)
            self._raises.update(changes.raises)
            for delivery in changes.deliveries:
                self._pending[self._next] = replace(_copy(delivery), id=self._next)
                self._next += 1
            return True

    def marked(self) -> list[int]:
        with self._lock:
            return sorted(self._marks)

    def forget_raises(self, before: datetime) -> None:
        with self._lock:
            for key in [k for k, t in self._raises.items() if t < before]:
                del self._raises[key]

    def due(self, now: datetime) -> list[Delivery]:
        with self._lock:
            return [_copy(d) for _, d in sorted(self._pending.items()) if d.due <= now]

    def save(self, delivery: Delivery) -> None:
        stored = _copy(delivery)
        with self._lock:
            self._pending.pop(delivery.id, None)
            self._failed.pop(delivery.id, None)
            if stored.state is DeliveryState.PENDING:
                self._pending[stored.id] = stored
            elif stored.state is DeliveryState.FAILED:
                self._failed[stored.id] = stored
            else:
                self._sent.append(stored)

    def deliveries(self, state: DeliveryState, limit: int = 1000) -> list[Delivery]:
        with self._lock:
            found: Sequence[Delivery] = {
                DeliveryState.PENDING: [d for _, d in sorted(self._pending.items())],
                DeliveryState.FAILED: [d for _, d in sorted(self._failed.items())],
                DeliveryState.SENT: list(self._sent),
            }[state]
            return [_copy(d) for d in found[max(len(found) - limit, 0) :]]

    def retry_failed(self, now: datetime) -> int:
        with self._lock:
            revived, self._failed = self._failed, {}
            for ident, delivery in revived.items():
                delivery.state, delivery.attempts, delivery.due = DeliveryState.PENDING, 0, now
                delivery.finished_at = None
                self._pending[ident] = delivery
            return len(revived)

    def prune(self, now: datetime) -> None:
        """Nothing to do: the sent window is bounded by count as deliveries arrive."""


def _copy(delivery: Delivery) -> Delivery:
    """A copy the caller may change: it reaches the store again only through `save`."""
    return replace(delivery, errors=list(delivery.errors))
