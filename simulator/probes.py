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
from simulator.presets import ProbeTimers


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

    def observe(
        self,
        quality: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
        phys_up: BoolArray,
        draw: FloatArray,
        demand: FloatArray,
    ) -> BatchObservations:
        """One probe round over (utilization, latency, jitter, loss): update the up/down
        detection and return the engine's observation."""
        util, lat, jit, loss = quality
        lost = ~phys_up | (draw * 100.0 < loss)
        self._miss = (self._miss + 1) * lost
        self._ok = (self._ok + 1) * ~lost
        self.declared_up = (
            np.where(self.declared_up, self._miss < self._mult, self._ok >= self._recover)
            & self._present
        )
        if not (phys_up | self._absent).all():  # a dead link measures nothing
            lat = np.where(phys_up, lat, self._last[0])
            jit = np.where(phys_up, jit, self._last[1])
            loss = np.where(phys_up, loss, self._last[2])
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
