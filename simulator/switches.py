"""Time to switch: for each fault, how long each application on a hit link took to leave it.

An application leaves at the instant of the probe of its link that decided it (the probe that
declared the link down, or the sample that made it out of SLA): the CPE acts then. The engine
steps once per probe round for every link, so that instant is the link's own probe of the
round, up to one interval before the round; the traffic moves from the tick after the round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray


@dataclass
class FaultRecord:
    """What one fault did: apps it caught on a hit link, their switch times, and the rest."""

    links_hit: int = 0
    onset: float | None = None
    times: list[float] = field(default_factory=list)
    high_times: list[float] = field(default_factory=list)
    stayed: int = 0  # still on the hit link when the fault ended (or the run did)


class SwitchTracker:
    """Pending (site, app, slot) caught by a fault, resolved when the engine moves them."""

    def __init__(self, faults: int, high: BoolArray) -> None:
        self.records = [FaultRecord() for _ in range(faults)]
        self._high = high
        empty = np.zeros(0, dtype=np.int64)
        self._s, self._a, self._k, self._f = empty, empty, empty, empty
        self._t0 = np.zeros(0)

    def onset(self, index: int, now: float, hit: BoolArray, link: IntArray) -> None:
        """A fault hit the links in `hit`; every app currently on one of them is pending."""
        rec = self.records[index]
        rec.onset = now
        rec.links_hit = int(hit.sum())
        on = np.take_along_axis(hit, np.maximum(link, 0), axis=1) & (link >= 0)
        s, a = np.nonzero(on)
        self._s = np.concatenate([self._s, s])
        self._a = np.concatenate([self._a, a])
        self._k = np.concatenate([self._k, link[s, a].astype(np.int64)])
        self._f = np.concatenate([self._f, np.full(len(s), index)])
        self._t0 = np.concatenate([self._t0, np.full(len(s), now)])

    def moved(self, instants: FloatArray, link: IntArray) -> None:
        """After an engine step: resolve the pending apps that left their hit link, each at
        the instant of that link's probe in the round (`instants`, per site and slot)."""
        if self._s.size == 0:
            return
        gone = link[self._s, self._a] != self._k
        if not gone.any():
            return
        at = instants[self._s[gone], self._k[gone]]
        for f, a, t, t0 in zip(self._f[gone], self._a[gone], at, self._t0[gone], strict=True):
            rec = self.records[int(f)]
            took = max(0.0, float(t) - float(t0))
            rec.times.append(took)
            if self._high[int(a)]:
                rec.high_times.append(took)
        self._keep(~gone)

    def repaired(self, index: int) -> None:
        """The fault is over: its apps that never left are counted as stayed."""
        mine = self._f == index
        self.records[index].stayed += int(mine.sum())
        self._keep(~mine)

    def _keep(self, keep: BoolArray) -> None:
        self._s, self._a, self._k, self._f = (x[keep] for x in (self._s, self._a, self._k, self._f))
        self._t0 = self._t0[keep]
