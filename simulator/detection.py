"""Time to detect: for each fault, how long after a link went down its probes declared it down.

A link a fault cuts is pending from that instant; it is detected at the instant of the probe
that completes the detect multiplier, and missed when it comes back up before (an outage
shorter than the detection time). A flapping fault cuts its links once per flap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray


@dataclass
class DetectRecord:
    """What the probes made of one fault's link outages."""

    cuts: int = 0  # link outages (a link per flap)
    times: list[float] = field(default_factory=list)  # onset to declared down, per detected one
    missed: int = 0  # back up before they were declared down


class DetectionTracker:
    """Pending (fault, link) outages, resolved when the probes declare the link down."""

    def __init__(self, faults: int) -> None:
        self.records = [DetectRecord() for _ in range(faults)]
        self._link: IntArray = np.zeros(0, dtype=np.int64)  # flat (site, slot) index
        self._fault: IntArray = np.zeros(0, dtype=np.int64)
        self._t0: FloatArray = np.zeros(0)

    def cut(self, index: int, now: float, links: BoolArray, declared_up: BoolArray) -> None:
        """The fault took these links down at `now`. Links already declared down (another
        fault's outage) have nothing left to detect."""
        flat = np.flatnonzero(links & declared_up)
        self.records[index].cuts += len(flat)
        self._link = np.concatenate([self._link, flat])
        self._fault = np.concatenate([self._fault, np.full(len(flat), index)])
        self._t0 = np.concatenate([self._t0, np.full(len(flat), now)])

    def declared(self, down: BoolArray, instants: FloatArray) -> None:
        """After a probe round: `down` are the links it declared down, each at its instant
        (random losses just before the cut can make that instant precede it: 0 s then)."""
        if self._link.size == 0 or not down.any():
            return
        hit = down.ravel()[self._link]
        if not hit.any():
            return
        at = instants.ravel()[self._link[hit]]
        for f, t, t0 in zip(self._fault[hit], at, self._t0[hit], strict=True):
            self.records[int(f)].times.append(max(0.0, float(t) - float(t0)))
        self._keep(~hit)

    def mended(self, index: int, links: BoolArray) -> None:
        """The fault's outage of these links is over: the ones still pending were missed."""
        if self._link.size == 0:
            return
        gone = (self._fault == index) & links.ravel()[self._link]
        self.records[index].missed += int(gone.sum())
        self._keep(~gone)

    def _keep(self, keep: BoolArray) -> None:
        self._link, self._fault, self._t0 = self._link[keep], self._fault[keep], self._t0[keep]
