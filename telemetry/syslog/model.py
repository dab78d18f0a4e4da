"""Device log records and the severities syslog uses (RFC 5424 §6.2.1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from telemetry.errors import TelemetryError


class SyslogError(TelemetryError):
    """Root of the device-log errors."""


class LogSeverity(IntEnum):
    """Lower is worse, as on the wire: "warning or worse" is `severity <= WARNING`."""

    EMERGENCY = 0
    ALERT = 1
    CRITICAL = 2
    ERROR = 3
    WARNING = 4
    NOTICE = 5
    INFO = 6
    DEBUG = 7


class LogFormat(StrEnum):
    RFC5424 = "rfc5424"
    RFC3164 = "rfc3164"


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One device log message, parsed. `timestamp` is the device's time when it sent one we
    could read, else the receive time; `site` is None when the sender maps to no site."""

    timestamp: datetime
    received_at: datetime
    source: str  # the sender's IP address
    facility: int
    severity: LogSeverity
    hostname: str | None
    app_name: str | None
    procid: str | None
    msgid: str | None
    message: str
    format: LogFormat
    site: str | None = None


SiteLookup = Callable[[str | None, str], str | None]
"""(hostname from the message, sender's address) -> site id, or None when unknown."""
