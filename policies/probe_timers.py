"""How a CPE probes its links, and presets modelled on the anchors of DESIGN §6 (sources in
docs/simulator.md). Pure: the simulator probes with them, the linter counts with them.

A preset fixes how often a link is probed, how many probes in a row must be lost before the
link is declared down (the detect multiplier) and how many must come back before it is
declared up again. It does not change the policy: the policy's SLA dampening (K bad samples,
M good samples, hold-down) still counts the samples these probes deliver.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PresetName(StrEnum):
    """Wire values of the presets."""

    CISCO_BFD = "cisco-bfd"
    FORTINET = "fortinet"
    VELOCLOUD = "velocloud"
    VERSA = "versa"
    MWAN3 = "mwan3"
    FLEXIWAN = "flexiwan"


@dataclass(frozen=True, slots=True)
class ProbeTimers:
    """Probe interval (s), lost probes in a row to declare down, good ones to declare up."""

    interval_s: float
    multiplier: int
    recover: int
    source: str

    @property
    def detect_s(self) -> float:
        """Worst-case time from a link failure to its detection, in seconds."""
        return self.interval_s * self.multiplier


def every(interval_s: float) -> ProbeTimers:
    """Samples every `interval_s` that say up or down as they are (multiplier 1, recover 1):
    a CPE that reports what it sees."""
    return ProbeTimers(interval_s, 1, 1, f"a sample every {interval_s:g} s")


PRESETS: dict[PresetName, ProbeTimers] = {
    PresetName.CISCO_BFD: ProbeTimers(
        1.0, 7, 1, "Cisco Catalyst SD-WAN BFD hello 1 s, multiplier 7"
    ),
    PresetName.FORTINET: ProbeTimers(
        0.5, 5, 5, "Fortinet health check 500 ms (interval in ms), failtime 5, recoverytime 5"
    ),
    PresetName.VELOCLOUD: ProbeTimers(0.1, 3, 1, "VeloCloud heartbeat 100 ms, 3 missed"),
    PresetName.VERSA: ProbeTimers(10.0, 1, 1, "Versa recompute every 10 s, one bad sample"),
    PresetName.MWAN3: ProbeTimers(10.0, 5, 5, "OpenWrt mwan3 interval 10 s, down 5, up 5"),
    PresetName.FLEXIWAN: ProbeTimers(1.0, 15, 1, "flexiWAN ping 1 s, 15 drops"),
}
