"""Tunables of the alarm engine, with the defaults and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from telemetry.alarms.model import DEFAULT_SEVERITY, AlarmKind, Severity


@dataclass(frozen=True, slots=True)
class AlarmRules:
    """When each condition becomes an alarm.

    - `offline_after` (5 min): a site with no link-level sample for this long is offline. The
      same as the health staleness window, so a grey site and an offline alarm agree.
    - `sla_sustain` (60 s): an up link failing a critical SLA class raises only once it has
      failed for this long (Versa's 60 s window; the policy engine moves traffic sooner).
    - `flap_count` (4) up/down changes within `flap_window` (10 min) make a link flapping; the
      alarm clears after a whole `flap_window` without a change (Versa: 2 flaps in 300 s, held
      900 s; the hysteresis stops a borderline link from raising and clearing in turns).
    """

    offline_after: timedelta = timedelta(minutes=5)
    sla_sustain: timedelta = timedelta(seconds=60)
    flap_count: int = 4
    flap_window: timedelta = timedelta(minutes=10)
    severity: dict[AlarmKind, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))

    def ms(self, name: str) -> int:
        value: timedelta = getattr(self, name)
        return int(value.total_seconds() * 1000)
