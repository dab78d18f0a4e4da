"""How a CPE probes its links, and presets modelled on the anchors of DESIGN §6 (sources in
docs/simulator.md). Pure: the simulator probes with them, the linter counts with them.

A preset fixes how often a link is probed, how many probes in a row must be lost before the
link is declared down (the detect multiplier), how many must come back before it is declared up
again, and the window its loss, latency and jitter are averaged over: the probes of the last
`buckets` polls of `poll` probes each, recomputed at the end of every poll (Cisco's app-route
poll interval and multiplier; a poll of one probe is a window sliding by each probe). It does
not change the policy: the policy's SLA dampening (K bad samples, M good samples, hold-down)
still counts the samples these probes deliver.
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
    """Probe interval (s), lost probes in a row to declare down, good ones to declare up, and
    the measurement window: `buckets` polls of `poll` probes."""

    interval_s: float
    multiplier: int
    recover: int
    source: str
    poll: int = 1
    buckets: int = 1

    @property
    def detect_s(self) -> float:
        """Worst-case time from a link failure to its detection, in seconds: the failure just
        after a probe went through, then `multiplier` probes lost."""
        return self.interval_s * self.multiplier

    @property
    def detect_min_s(self) -> float:
        """Best case: the failure just before a probe, the first of the `multiplier` lost."""
        return self.interval_s * (self.multiplier - 1)

    @property
    def poll_s(self) -> float:
        """How often the window's loss, latency and jitter are recomputed, in seconds."""
        return self.interval_s * self.poll

    @property
    def window_s(self) -> float:
        """The span of probes the loss, latency and jitter are averaged over, in seconds."""
        return self.poll_s * self.buckets


def every(interval_s: float) -> ProbeTimers:
    """Samples every `interval_s` that say up or down as they are (multiplier 1, recover 1):
    a CPE that reports what it sees."""
    return ProbeTimers(interval_s, 1, 1, f"a sample every {interval_s:g} s")


PRESETS: dict[PresetName, ProbeTimers] = {
    PresetName.CISCO_BFD: ProbeTimers(
        1.0,
        7,
        1,
        "Cisco Catalyst SD-WAN BFD hello 1 s, multiplier 7; app-route poll 10 min x 6",
        poll=600,
        buckets=6,
    ),
    PresetName.FORTINET: ProbeTimers(
        0.5,
        5,
        5,
        "Fortinet health check 500 ms (interval in ms), failtime 5, recoverytime 5; "
        "SLA over the last 30 probes",
        buckets=30,
    ),
    PresetName.VELOCLOUD: ProbeTimers(
        0.1,
        3,
        1,
        "VeloCloud heartbeat 100 ms, 3 missed; window 1 s (assumed: not published)",
        buckets=10,
    ),
    PresetName.VERSA: ProbeTimers(
        10.0, 1, 1, "Versa recompute every 10 s, one bad sample; average over 60 s", buckets=6
    ),
    PresetName.MWAN3: ProbeTimers(
        10.0, 5, 5, "OpenWrt mwan3 interval 10 s, down 5, up 5; loss of each test (count 1)"
    ),
    PresetName.FLEXIWAN: ProbeTimers(
        1.0,
        15,
        1,
        "flexiWAN ping 1 s, 15 drops; window 100 pings (assumed: changes of 1 % are reported)",
        buckets=100,
    ),
}
