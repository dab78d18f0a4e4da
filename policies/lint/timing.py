"""Worst-case detect and fail-back times of a policy, and the anchors' figures to compare with.

The engine's dampening (policies/reference.py `_dampen`) decides on samples, so every time here
is a whole number of probe intervals. The probes (`policies.probe_timers`) come first: a link
is declared down after `multiplier` lost probes in a row, so a failure just after a probe is
seen `multiplier` intervals later; it is declared up again on the `recover`-th good probe, and
only from that sample on do the policy's good samples count.

Loss, latency and jitter are averaged over a window of `buckets` polls of `poll` probes,
recomputed when a poll ends. A fault that only just crosses an SLA threshold shows once it fills
the window, and a link stays out of SLA after it heals until its bad probes have left the
window: at worst `poll x (buckets + 1) - 1` probes after the change (the poll in progress, then
`buckets` whole polls). A window of one probe (`poll = buckets = 1`) adds nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from policies.lint.report import Timing
from policies.policy import SlaDampening
from policies.probe_timers import ProbeTimers

# Float slack when dividing a hold-down by the probe interval: 60 / 0.3 must be 200 probes, not 201.
_EPS = 1e-9


def check_probe_interval(probe_interval_s: float) -> None:
    """The probe interval is the telemetry cadence, not a policy field: check it here."""
    if not (math.isfinite(probe_interval_s) and probe_interval_s > 0):
        raise ValueError(f"probe_interval_s must be a positive number, got {probe_interval_s!r}")


def _probes_for(seconds: float, probe_interval_s: float) -> int:
    return max(0, math.ceil(seconds / probe_interval_s - _EPS))


def flap_dampening_engages(d: SlaDampening) -> bool:
    """Whether a quick re-entry can ever lengthen the hold-down. Doubling 0 s stays 0 s, a zero
    window never counts a re-entry as a flap, and a cap equal to the hold-down leaves no room."""
    return d.hold_down_s > 0 and d.flap_window_s > 0 and d.max_hold_down_s > d.hold_down_s


def timing_of(d: SlaDampening, probe: ProbeTimers) -> Timing:
    """Worst-case reaction times of these dampening settings with these probes."""
    check_probe_interval(probe.interval_s)
    p = probe.interval_s
    # Probes after a change until the window holds none from before it (1 for a one-probe window).
    window = probe.poll * (probe.buckets + 1) - 1
    # The first good sample: the link declared up (`recover` good probes) and its window clean.
    first_good = max(probe.recover, window)

    def back(hold: float) -> float:
        # The link heals at most one probe before the first good probe; the first good sample
        # comes g probes after the heal, so the M-th good sample g + M - 1 probes after it.
        # Leaving violation also needs `hold` since the last bad sample, the probe before the
        # first good one, then whole probes from there.
        g = first_good
        return round(max(g + d.good_samples - 1, g - 1 + _probes_for(hold, p)) * p, 6)

    engages = flap_dampening_engages(d)
    flaps = math.ceil(math.log2(d.max_hold_down_s / d.hold_down_s) - _EPS) if engages else 0
    return Timing(
        probe_interval_s=p,
        detect_multiplier=probe.multiplier,
        recover_probes=probe.recover,
        detect_down_s=round(probe.multiplier * p, 6),
        detect_sla_s=round((window + d.bad_samples - 1) * p, 6),
        fail_back_s=back(d.hold_down_s),
        fail_back_flapping_s=back(d.max_hold_down_s if engages else d.hold_down_s),
        flaps_to_max=flaps,
    )


@dataclass(frozen=True, slots=True)
class Anchor:
    """One reference system's timers (DESIGN §6), in seconds; None where it has no such timer."""

    system: str
    probe: str
    detect_down_s: float | None
    detect_sla_s: float | None
    fail_back_s: float | None
    fail_back_flapping_s: float | None
    note: str

    def to_dict(self) -> dict[str, str | float | None]:
        """JSON-ready form."""
        return {
            "system": self.system,
            "probe": self.probe,
            "detect_down_s": self.detect_down_s,
            "detect_sla_s": self.detect_sla_s,
            "fail_back_s": self.fail_back_s,
            "fail_back_flapping_s": self.fail_back_flapping_s,
            "note": self.note,
        }


ANCHORS: tuple[Anchor, ...] = (
    Anchor("Cisco SD-WAN", "BFD 1 s", 7.0, 600.0, None, None,
           "BFD multiplier 7 at 1 s hellos; SLA from the app-route poll (10 min, mean of 6); "
           "BFD flap suspension"),
    Anchor("Fortinet", "500 ms", 2.5, None, 2.5, None,
           "failtime 5 and recoverytime 5 at a 500 ms health check (the unit differs between "
           "docs); hold-down-time defaults to 0"),
    Anchor("VeloCloud", "100 ms", 0.3, None, None, None,
           "3 missed heartbeats (500 ms when idle); FEC and jitter buffer before steering"),
    Anchor("Versa", "10 s", 10.0, 10.0, 60.0, 900.0,
           "one bad sample at a 10 s recompute; 60 s window; 2 flaps in 300 s hold the link "
           "down until it has been up 900 s"),
    Anchor("mwan3", "10 s", 50.0, 50.0, 50.0, None,
           "5 failures / 5 successes at 10 s; separate fail/recover thresholds"),
    Anchor("flexiWAN", "1 s", 15.0, None, None, None,
           "15 drops at 1 s pings; reports only changes >= 1 % loss or >= 30 ms"),
    Anchor("RFC 2439 damping", "-", None, None, None, 3600.0,
           "penalty 1000 per flap, suppress 2000, reuse 750, half-life 15 min, max 60 min"),
)  # fmt: skip
"""The anchors of DESIGN §6, so an operator sees where a policy sits among real systems."""
