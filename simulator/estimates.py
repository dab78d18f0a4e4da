"""Loss, latency and jitter as a CPE estimates them: averaged over a window of its probes.

The window is the last `buckets` polls of `poll` probes each (`ProbeTimers`), and the estimate
is recomputed when a poll ends: Cisco's app-route poll interval and multiplier (10 min x 6 by
default), or a window sliding by each probe when a poll is one probe (Fortinet's last 30). Loss
is the share of the window's probes that were lost; latency and jitter are the means over the
probes that came back. Each link's polls end at their own probe (a per-link offset), so the
links of a network are not all recomputed at the same instant.

The window starts full of each link's quality at t = 0, as on gear that has been running: a
run does not begin with an empty window. A window whose every probe was lost keeps the last
latency and jitter it measured (a dead link measures nothing) and reports 100 % loss. The
caller may leave probes out (`counted`): they measure nothing and the window keeps what it had.

Running sums: each link keeps its window's (sent, lost, latency sum, jitter sum) and its polls
in a ring; a poll that ends is added and the one it replaces subtracted, so the cost per probe
round does not grow with the window. Links are grouped by their offset once: the links whose
polls end at a probe round are one group, and they share their place in the ring.
"""

from __future__ import annotations

import numpy as np

from policies.compiled import BoolArray, FloatArray, IntArray

_SENT, _LOST, _LAT, _JIT = range(4)


class WindowEstimates:
    """Per (site, slot) window estimates, fed one probe round at a time."""

    def __init__(self, shape: tuple[int, int], poll: int, buckets: int, offset: IntArray) -> None:
        """`offset`: per link, how many probes of its first poll have already gone (0..poll-1)."""
        self._poll = poll
        self._buckets = buckets
        self._offset: IntArray = offset.astype(np.int64) % poll
        flat = self._offset.ravel()
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(poll + 1))
        # The flat (site, slot) indices of the links with each offset.
        self._groups: list[IntArray] = [order[bounds[r] : bounds[r + 1]] for r in range(poll)]
        self._ring: FloatArray = np.zeros((*shape, buckets, 4))
        self._win: FloatArray = np.zeros((*shape, 4))
        # The poll in progress: one contiguous array per sum (sent, lost, latency, jitter).
        self._cur: list[FloatArray] = [np.zeros(shape) for _ in range(4)]
        self._round = 0
        self.latency_ms: FloatArray = np.zeros(shape)
        self.jitter_ms: FloatArray = np.zeros(shape)
        self.loss_pct: FloatArray = np.zeros(shape)
        self._started = False

    @property
    def started(self) -> bool:
        """Whether the window has been filled (`start`)."""
        return self._started

    def start(self, latency_ms: FloatArray, jitter_ms: FloatArray, loss_pct: FloatArray) -> None:
        """Fill the window (and each link's poll in progress) as if every probe so far had
        measured this quality."""
        n = float(self._poll)
        kept = n * (1.0 - np.clip(loss_pct, 0.0, 100.0) / 100.0)
        bucket = np.stack([np.full(kept.shape, n), n - kept, kept * latency_ms,
                           kept * jitter_ms], axis=-1)  # fmt: skip
        self._ring[:] = bucket[:, :, None, :]
        self._win[:] = bucket * self._buckets
        # The probes of each link's poll in progress that went before t = 0.
        for k, part in enumerate(self._cur):
            np.multiply(bucket[:, :, k], self._offset / n, out=part)
        self.latency_ms = latency_ms.copy()
        self.jitter_ms = jitter_ms.copy()
        self.loss_pct = np.clip(loss_pct, 0.0, 100.0).copy()
        self._started = True

    def add(
        self,
        lost: BoolArray,
        latency_ms: FloatArray,
        jitter_ms: FloatArray,
        counted: BoolArray | None = None,
    ) -> None:
        """One probe on every link: lost, or back with this latency and jitter. Probes outside
        `counted` take their place in the poll but measure nothing (a link known to be down)."""
        if not self._started:
            raise RuntimeError("start() the window first")
        sent: float | BoolArray = 1.0
        lost_n, kept = lost, ~lost
        if counted is not None:
            sent, lost_n, kept = counted, lost & counted, kept & counted
        c_sent, c_lost, c_lat, c_jit = self._cur
        np.add(c_sent, sent, out=c_sent)
        np.add(c_lost, lost_n, out=c_lost)
        np.add(c_lat, latency_ms * kept, out=c_lat)
        np.add(c_jit, jitter_ms * kept, out=c_jit)
        j = self._round
        self._round += 1
        if self._poll == 1:  # every link's poll ends with each probe: whole-array steps
            pos = j % self._buckets
            ended = np.stack(self._cur, axis=-1)
            self._win += ended - self._ring[:, :, pos, :]
            self._ring[:, :, pos, :] = ended
            for part in self._cur:
                part.fill(0.0)
            self._estimate_all()
            return
        # The links whose poll ends with this probe: offset + j + 1 a multiple of the poll.
        r = (-j - 1) % self._poll
        idx = self._groups[r]
        if idx.size == 0:
            return
        pos = ((r + j + 1) // self._poll - 1) % self._buckets
        parts = [part.reshape(-1) for part in self._cur]
        ended = np.stack([part[idx] for part in parts], axis=-1)
        ring = self._ring.reshape(-1, self._buckets, 4)
        win = self._win.reshape(-1, 4)
        win[idx] += ended - ring[idx, pos]
        ring[idx, pos] = ended
        for part in parts:
            part[idx] = 0.0
        self._estimate_some(idx)

    def _estimate_all(self) -> None:
        win = self._win
        np.maximum(win, 0.0, out=win)  # float residue of the running sums
        loss, lat, jit = _averages(win, self.latency_ms, self.jitter_ms)
        self.loss_pct, self.latency_ms, self.jitter_ms = loss, lat, jit

    def _estimate_some(self, idx: IntArray) -> None:
        win = np.maximum(self._win.reshape(-1, 4)[idx], 0.0)
        self._win.reshape(-1, 4)[idx] = win
        # New arrays: an observation handed out before keeps its values.
        self.loss_pct, self.latency_ms, self.jitter_ms = (
            self.loss_pct.copy(),
            self.latency_ms.copy(),
            self.jitter_ms.copy(),
        )
        lat, jit = self.latency_ms.reshape(-1), self.jitter_ms.reshape(-1)
        loss, lat[idx], jit[idx] = _averages(win, lat[idx], jit[idx])
        self.loss_pct.reshape(-1)[idx] = loss


def _averages(
    win: FloatArray, last_lat: FloatArray, last_jit: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(loss %, latency, jitter) of windows of (sent, lost, latency sum, jitter sum); a window
    with nothing back keeps the last latency and jitter."""
    sent, lost = win[..., _SENT], win[..., _LOST]
    kept = sent - lost
    some = kept > 1e-9
    safe = np.where(some, kept, 1.0)
    loss = np.where(sent > 0, 100.0 * lost / np.where(sent > 0, sent, 1.0), 0.0)
    lat = np.where(some, win[..., _LAT] / safe, last_lat)
    jit = np.where(some, win[..., _JIT] / safe, last_jit)
    return np.minimum(loss, 100.0), lat, jit
