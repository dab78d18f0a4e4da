"""Alarms: what is wrong, where, how bad, and where it is in its lifecycle.

Lifecycle: an alarm is *raised* (active), may be *acknowledged* by an operator (still active),
and is *cleared* when its condition ends (or by hand). A cleared alarm is history: if the same
condition comes back, a new alarm with a new id is raised. At most one alarm per `AlarmKey` is
active at a time, which is the first de-duplication. An active alarm may be *suppressed* by a
cause above it in the dependency graph (graph.py): it stays recorded but is not notified.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from telemetry.errors import TelemetryError


class AlarmError(TelemetryError):
    """Root of the alarm errors."""


class AlarmNotFoundError(AlarmError, KeyError):
    """No alarm has the given id."""


class AlarmStateError(AlarmError, ValueError):
    """The lifecycle does not allow that (e.g. acknowledging a cleared alarm)."""


class AlarmKind(StrEnum):
    LINK_DOWN = "link-down"
    SLA_VIOLATION = "sla-violation"  # sustained: see AlarmRules.sla_sustain
    SITE_OFFLINE = "site-offline"  # no telemetry for AlarmRules.offline_after
    LINK_FLAPPING = "link-flapping"
    PUSH_FAILURE = "push-failure"  # raised by the config-push caller
    ZTP_FAILURE = "ztp-failure"  # raised by the ZTP caller
    CONFIG_DRIFT = "config-drift"  # a CPE runs something else than it was given: the drift check


LINK_KINDS = frozenset({AlarmKind.LINK_DOWN, AlarmKind.SLA_VIOLATION, AlarmKind.LINK_FLAPPING})
EXTERNAL_KINDS = frozenset({AlarmKind.PUSH_FAILURE, AlarmKind.ZTP_FAILURE, AlarmKind.CONFIG_DRIFT})


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


DEFAULT_SEVERITY: dict[AlarmKind, Severity] = {
    AlarmKind.SITE_OFFLINE: Severity.CRITICAL,
    AlarmKind.LINK_DOWN: Severity.MAJOR,
    AlarmKind.PUSH_FAILURE: Severity.MAJOR,
    AlarmKind.ZTP_FAILURE: Severity.MAJOR,
    AlarmKind.CONFIG_DRIFT: Severity.MINOR,
    AlarmKind.SLA_VIOLATION: Severity.MINOR,
    AlarmKind.LINK_FLAPPING: Severity.WARNING,
}


@dataclass(frozen=True, slots=True, order=True)
class AlarmKey:
    """What an alarm is about. Link kinds name a link; the others have `link=None`."""

    kind: AlarmKind
    site: str
    link: str | None = None

    def __str__(self) -> str:
        where = f"{self.site}/{self.link}" if self.link else self.site
        return f"{self.kind} {where}"


@dataclass(frozen=True, slots=True)
class AlarmSpec:
    """An alarm to raise: its key, severity and a message saying what was seen."""

    key: AlarmKey
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm as stored. `id` is assigned by the store; times are timezone-aware."""

    id: int
    key: AlarmKey
    severity: Severity
    message: str
    raised_at: datetime
    cleared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    suppressed_by: int | None = None  # id of the active alarm that explains this one
    clear_reason: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def active(self) -> bool:
        return self.cleared_at is None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def cleared(self, now: datetime, reason: str) -> Alarm:
        if not self.active:
            raise AlarmStateError(f"alarm {self.id} ({self.key}) is already cleared")
        return replace(self, cleared_at=now, clear_reason=reason, suppressed_by=None)

    def acknowledge(self, by: str, now: datetime) -> Alarm:
        if not self.active:
            raise AlarmStateError(
                f"alarm {self.id} ({self.key}) is cleared: nothing to acknowledge"
            )
        return replace(self, acknowledged_at=now, acknowledged_by=by)


class EventType(StrEnum):
    RAISED = "raised"
    CLEARED = "cleared"
    ACKNOWLEDGED = "acknowledged"
    SUPPRESSED = "suppressed"  # a cause above it is active: not notified
    UNSUPPRESSED = "unsuppressed"  # the cause cleared but this alarm still holds


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """Something that happened to an alarm; the notifier turns events into messages."""

    type: EventType
    alarm: Alarm
    at: datetime
