"""What a notifier is, and the message every channel renders from an alarm event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from telemetry.alarms.model import Alarm, AlarmError, EventType

PRODUCT = "Branchline"


class NotifyError(AlarmError):
    """A notifier could not deliver (server down, refused, timed out). The outbox retries."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One alarm event worth telling people about: `event` is RAISED or CLEARED."""

    event: EventType
    alarm: Alarm

    @property
    def dedup_id(self) -> str:
        """Stable per alarm and event: also the e-mail's Message-ID, so mail systems de-dup
        a message resent after an ambiguous failure."""
        return f"alarm-{self.alarm.id}-{self.event}"

    @property
    def subject(self) -> str:
        a = self.alarm
        return f"[{PRODUCT}] {a.severity.upper()} {self.event}: {a.key}"

    def text(self) -> str:
        """The plain-text body: precise enough to act on without opening the controller."""
        a = self.alarm
        lines = [
            f"Alarm {a.id} {self.event}: {a.message}",
            "",
            f"kind:      {a.key.kind}",
            f"site:      {a.key.site}",
            f"link:      {a.key.link or '-'}",
            f"severity:  {a.severity}",
            f"raised at: {a.raised_at.isoformat()}",
        ]
        if a.cleared_at is not None:
            lines.append(f"cleared:   {a.cleared_at.isoformat()} ({a.clear_reason})")
        return "\n".join(lines) + "\n"

    def payload(self) -> dict[str, Any]:
        """The JSON document a webhook receives."""
        a = self.alarm
        return {
            "event": str(self.event),
            "id": self.dedup_id,
            "alarm": {
                "id": a.id,
                "kind": str(a.key.kind),
                "site": a.key.site,
                "link": a.key.link,
                "severity": str(a.severity),
                "message": a.message,
                "raised_at": a.raised_at.isoformat(),
                "cleared_at": a.cleared_at.isoformat() if a.cleared_at else None,
                "clear_reason": a.clear_reason,
                "acknowledged_by": a.acknowledged_by,
            },
        }


class Notifier(Protocol):
    """A channel. `send` returns once the message was accepted, or raises `NotifyError`."""

    name: str

    def send(self, notification: Notification) -> None: ...
