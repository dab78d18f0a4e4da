"""Alarm notification channels by name, each imported only when a controller uses it:
`open_notifier("email", host=..., sender=..., recipients=[...])`. The options are validated by
the channel's settings model, so a typo is an error naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from sites.registry import Registry, bad_options
from telemetry.alarms.notify.base import Notifier, NotifyError

NOTIFIERS: Registry[Callable[..., Notifier]] = Registry(
    "alarm notifier",
    {
        "email": "telemetry.alarms.notify.email:open_notifier",
        "webhook": "telemetry.alarms.notify.webhook:open_notifier",
    },
    NotifyError,
)


def open_notifier(name: str, **options: Any) -> Notifier:
    """The channel `name` with its settings given as keyword options; raises NotifyError for
    an unknown channel or bad options, naming each bad field."""
    factory = NOTIFIERS.resolve(name)
    try:
        return factory(**options)
    except ValidationError as exc:
        problems = bad_options(exc)
        raise NotifyError(f"alarm notifier {name!r}: {problems}") from exc
