"""What the probes tell the engine: link up/down after `multiplier` lost probes in a row (up
again after `recover` good ones), and loss, latency and jitter averaged over the window of
probes the preset keeps (`simulator.estimates`).

Each link probes with its own phase: in the probe round the engine steps at (time t, every
probe interval), a link's probe went out at t - phase, its phase drawn once per run in
[0, interval). A link that fails is declared down at the instant of the `multiplier`-th lost
probe, so detection takes between (multiplier - 1) and multiplier intervals, depending on where
the failure falls between two of its probes, as on real gear.

A probe is lost when the link was physically down at its instant, or at random with the link's
loss rate. A lost probe measures nothing: the window's loss rises, its latency and jitter come
from the probes that came back. Probes sent while the link is declared down do not enter the
window (the session is down; its measurement resumes when it is back), so the lost probes that
led to the declaration stay in it, but not a whole outage's worth: after a long outage a link
is not held out of SLA for a window's length (an hour at Cisco's defaults) by the outage alone.
"""

from __future__ import annotations

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray
from policies.observations import BatchObservations
from policies.probe_timers import ProbeTimers
from simulator.estimates import WindowEstimates

POLL_STAGGER = 10


class Probes:
    """Per-link probe state (site, slot arrays)."""

    def __init__(
        self,
        timers: ProbeTimers,
        present: BoolArray,
        capacity: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        self._mult = timers.multiplier
        self._recover = timers.recover
        self._present = present
        self._capacity = capacity
        # Seconds before the round instant each link's probe goes out; and how far into its
        # first poll each link is, so polls do not all end on the same probe: at one of up to
        # POLL_STAGGER instants spread over the poll (a poll's end costs a little for each set
        # of links that ends together: ten sets, not one per probe of a 10-minute poll).
        self.phase: FloatArray = rng.random(present.shape) * timers.interval_s
        sets = min(timers.poll, POLL_STAGGER)
        step = timers.poll // sets
        offset: IntArray = rng.integers(0, sets, size=present.shape) * step
        self.window = WindowEstimates(present.shape, timers.poll, timers.buckets, offset)
        self.declared_up: BoolArray = present.copy()
        self._miss: IntArray = np.zeros(present.shape, dtype=np.int32)
        self._ok: IntArray = np.zeros(present.shape, dtype=np.int32)

    def instants(self, now: float) -> FloatArray:
        """When each link's probe of the round at `now` went out."""
        out: FloatArray = now - self.phase
        return out

    def observe(
        self,
        quality: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
        lost: BoolArray,
        demand: FloatArray,
        hub_utilization: FloatArray | None = None,
    ) -> BatchObservations:
        """One probe round: `quality` = (utilization, latency, jitter, loss) of the round's
        tick, `lost` = the probes lost (link down at the probe's instant, or at random), and
        the hub's utilization on each link's path. Update the up/down detection and the window;
        return the engine's observation."""
        util, lat, jit, loss = quality
        window = self.window
        if not window.started:
            window.start(lat, jit, np.where(self._present, loss, 0.0))
        was_up = self.declared_up
        miss, ok = self._miss, self._ok
        np.add(miss, 1, out=miss)
        np.multiply(miss, lost, out=miss)
        np.add(ok, 1, out=ok)
        np.multiply(ok, ~lost, out=ok)
        self.declared_up = (
            np.where(self.declared_up, miss < self._mult, ok >= self._recover) & self._present
        )
        window.add(lost, lat, jit, counted=was_up)
        return BatchObservations(
            up=self.declared_up,
            latency_ms=window.latency_ms,
            jitter_ms=window.jitter_ms,
            loss_pct=window.loss_pct,
            utilization=util,
            capacity_mbps=self._capacity,
            demand_mbps=demand,
            hub_utilization=hub_utilization,
        )
