"""Alarm notifications: e-mail (SMTP) and webhook channels behind one outbox, whose records
live in an `OutboxStore` (in memory here; the controller keeps them in its database). The
channels are opened by name (`registry.open_notifier`), their modules imported only then."""

from telemetry.alarms.notify.base import Notification, Notifier, NotifyError
from telemetry.alarms.notify.outbox import DeliveryReport, Outbox
from telemetry.alarms.notify.store import (
    Delivery,
    DeliveryState,
    MemoryOutboxStore,
    OutboxStore,
)

__all__ = [
    "Delivery",
    "DeliveryReport",
    "DeliveryState",
    "MemoryOutboxStore",
    "Notification",
    "Notifier",
    "NotifyError",
    "Outbox",
    "OutboxStore",
]
