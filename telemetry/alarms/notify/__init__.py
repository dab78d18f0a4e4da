"""Alarm notifications: e-mail (SMTP) and webhook channels behind one outbox."""

from telemetry.alarms.notify.base import Notification, Notifier, NotifyError
from telemetry.alarms.notify.email import EmailNotifier, EmailSettings
from telemetry.alarms.notify.outbox import Delivery, DeliveryReport, Outbox
from telemetry.alarms.notify.webhook import WebhookNotifier, WebhookSettings

__all__ = [
    "Delivery",
    "DeliveryReport",
    "EmailNotifier",
    "EmailSettings",
    "Notification",
    "Notifier",
    "NotifyError",
    "Outbox",
    "WebhookNotifier",
    "WebhookSettings",
]
