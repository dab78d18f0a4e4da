"""Alarm notifications: e-mail (SMTP) and webhook channels behind one outbox, whose records
live in an `OutboxStore` (in memory here; the controller keeps them in its database)."""

from telemetry.alarms.notify.base import Notification, Notifier, NotifyError
from telemetry.alarms.notify.email import EmailNotifier, EmailSettings
from telemetry.alarms.notify.outbox import DeliveryReport, Outbox
from telemetry.alarms.notify.store import (
    Delivery,
    DeliveryState,
    MemoryOutboxStore,
    OutboxStore,
)
from telemetry.alarms.notify.webhook import WebhookNotifier, WebhookSettings

__all__ = [
    "Delivery",
    "DeliveryReport",
    "DeliveryState",
    "EmailNotifier",
    "EmailSettings",
    "MemoryOutboxStore",
    "Notification",
    "Notifier",
    "NotifyError",
    "Outbox",
    "OutboxStore",
    "WebhookNotifier",
    "WebhookSettings",
]
