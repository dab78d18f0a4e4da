"""What the probes tell the engine: link up/down after `multiplier` lost probes in a row (up
again after `recover` good ones), and the quality they measure.

A probe is lost when the link is physically down, or at random with the link's loss rate. A
lost probe measures nothing, so while a dead link is not yet declared down the engine keeps
seeing the last values measured on it: exactly the blind spot the multiplier creates.
"""

from __future__ import annotations

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray
from policies.observations import BatchObservations
from policies.probe_timers import ProbeTimers


class Probes:
    """Per-link probe state (site, slot arrays)."""

    def __init__(self, timers: ProbeTimers, present: BoolArray, capacity: FloatArray) -> None:
        self._mult = timers.multiplier
        self._recover = timers.recover
        self._present = present
        self._absent = ~present
        self._capacity = capacity
        self.declared_up: BoolArray = present.copy()
        self._miss: IntArray = np.zeros(present.shape, dtype=np.int32)
        self._ok: IntArray = np.zeros(present.shape, dtype=np.int32)
        zeros = np.zeros(present.shape)
        self._last = (zeros, zeros, zeros)
        self._seen_up: BoolArray | None = None  # the phys_up mask _all_up was computed for
        self._all_up = True

    def observe(
        self,
        quality: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
        phys_up: BoolArray,
        draw: FloatArray,
        demand: FloatArray,
    ) -> BatchObservations:
        """One probe round over (utilization, latency, jitter, loss): update the up/down
        detection and return the engine's observation."""
        lost = ~phys_up | (draw * 100.0 < quality[3])
        return self.observe_lost(quality, lost, ~lost, phys_up, demand)

    def observe_lost(
        self,
        quality: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
        lost: BoolArray,
        kept: BoolArray,
        phys_up: BoolArray,
        demand: FloatArray,
    ) -> BatchObservations:
        """`observe` with the lost probes (and their complement) already drawn. Jitter and loss
        are copied: the observation outlives the caller's buffers."""
        util, lat, jit, loss = quality
        miss, ok = self._miss, self._ok
        np.add(miss, 1, out=miss)
        np.multiply(miss, lost, out=miss)
        np.add(ok, 1, out=ok)
        np.multiply(ok, kept, out=ok)
        self.declared_up = (
            np.where(self.declared_up, miss < self._mult, ok >= self._recover) & self._present
        )
        if phys_up is not self._seen_up:
            self._seen_up = phys_up
            self._all_up = bool((phys_up | self._absent).all())
        if not self._all_up:  # a dead link measures nothing
            lat = np.where(phys_up, lat, self._last[0])
            jit = np.where(phys_up, jit, self._last[1])
            loss = np.where(phys_up, loss, self._last[2])
        else:
            jit, loss = jit.copy(), loss.copy()
        self._last = (lat, jit, loss)
        return BatchObservations(
            up=self.declared_up,
            latency_ms=lat,
            jitter_ms=jit,
            loss_pct=loss,
            utilization=util,
            capacity_mbps=self._capacity,
            demand_mbps=demand,
        )
