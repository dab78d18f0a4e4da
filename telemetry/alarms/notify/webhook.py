"""Alarm webhooks: one JSON POST per notification (stdlib urllib)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from pydantic import AnyHttpUrl, Field

from sites.base import FrozenModel
from telemetry.alarms.notify.base import Notification, NotifyError


class WebhookSettings(FrozenModel):
    url: AnyHttpUrl
    headers: dict[str, str] = Field(default_factory=dict)  # e.g. an Authorization token
    timeout: float = Field(default=10.0, gt=0)


class WebhookNotifier:
    """POSTs `Notification.payload()`; any 2xx is delivered, anything else a `NotifyError`."""

    name = "webhook"

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings

    def send(self, notification: Notification) -> None:
        s = self.settings
        body = json.dumps(notification.payload()).encode()
        headers = {"Content-Type": "application/json", **s.headers}
        request = urllib.request.Request(str(s.url), data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=s.timeout) as response:
                status = response.status
        except (urllib.error.URLError, OSError) as exc:
            raise NotifyError(f"webhook {s.url}: {exc}") from exc
        if not 200 <= status < 300:  # urlopen raises for 4xx/5xx; 1xx/3xx land here
            raise NotifyError(f"webhook {s.url}: HTTP {status}")


def open_notifier(**options: Any) -> WebhookNotifier:
    """Registry factory: options are `WebhookSettings` fields."""
    return WebhookNotifier(WebhookSettings(**options))
