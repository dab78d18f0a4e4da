"""The newest few samples of every series, kept in memory as they are written, so that
`latest()` (the reconcile loop's and the monitor's read, every few seconds over the whole
network) costs a few numpy operations instead of a scan of everything the lookback holds
(at 10,000 sites and 40,000 samples/s a 5-minute lookback is 12 million rows).

The index answers exactly what the store would: per series, the newest sample with
after < ts <= until. It knows when it cannot:
- samples written before it existed: it answers only windows that start at or after
  `complete_after_ms` (the newest timestamp the store held when the index was made);
- a sample pushed out of a series' ring (`DEPTH` entries) that could still be the answer: a
  window ending well before the newest samples (a late tick), or a CPE replaying old samples.
In both cases `latest` returns None and the store reads its tables, as it did before.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right

import numpy as np
import numpy.typing as npt

from telemetry.batch import METRICS, SampleBatch
from telemetry.store.base import Selector

DEPTH = 8
"""Samples kept per series: a tick evaluated up to 7 s late at 1 s reporting is still exact."""

_NONE = np.iinfo(np.int64).min
SeriesKey = tuple[str, str, str]


class NewestSamples:
    """Per series, the last `DEPTH` samples written (by arrival). Thread-safe. Series are
    named to it by the store's own ids (small integers, one per (site, link, app)), so that
    finding a row's slot is one array lookup, not a dictionary lookup per sample."""

    def __init__(self, complete_after_ms: int) -> None:
        self.complete_after_ms = complete_after_ms
        self._lock = threading.Lock()
        self._slot_of = np.full(1024, -1, dtype=np.intp)
        """Per series id, its slot (-1: none yet)."""
        self._keys: list[SeriesKey] = []
        self._order: npt.NDArray[np.intp] | None = None  # slots in (site, link, app) order
        self._order_sites: list[str] = []  # the site of each slot of `_order`, for bisection
        capacity = 1024
        self._ts = np.full((capacity, DEPTH), _NONE, dtype=np.int64)
        self._values = np.zeros((capacity, DEPTH, len(METRICS)), dtype=np.float64)
        self._up = np.zeros((capacity, DEPTH), dtype=np.bool_)
        self._head = np.zeros(capacity, dtype=np.intp)
        self._evicted = np.full(capacity, _NONE, dtype=np.int64)
        """Per slot, the newest timestamp ever pushed out of its ring."""

    def __len__(self) -> int:
        return len(self._keys)

    def write(self, batch: SampleBatch, ids: npt.NDArray[np.int64]) -> None:
        """Take a batch the store has committed (same series and timestamp: the later wins);
        `ids[i]` is the store's id of row i's series."""
        if not len(batch):
            return
        with self._lock:
            slots = self._slot_ids(batch, ids)
            values = np.column_stack([getattr(batch, name) for name in METRICS])
            # Rows of one series go in one at a time, in batch order: round r takes the r-th
            # row of each series (a CPE's batch usually holds one sample per series).
            order = np.argsort(slots, kind="stable")
            sorted_slots = slots[order]
            starts = np.flatnonzero(np.r_[True, sorted_slots[1:] != sorted_slots[:-1]])
            rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
            for r in range(int(rank.max()) + 1):
                rows = order[rank == r]
                self._put(slots[rows], batch.ts_ms[rows], values[rows], batch.up[rows])

    def _put(
        self,
        slots: npt.NDArray[np.intp],
        ts: npt.NDArray[np.int64],
        values: npt.NDArray[np.float64],
        up: npt.NDArray[np.bool_],
    ) -> None:
        """One row per slot: replace the entry with the same timestamp, else the oldest-in."""
        same = self._ts[slots] == ts[:, None]
        replace = same.any(axis=1)
        column = np.where(replace, same.argmax(axis=1), self._head[slots])
        fresh = ~replace
        pushed = self._ts[slots[fresh], column[fresh]]
        self._evicted[slots[fresh]] = np.maximum(self._evicted[slots[fresh]], pushed)
        self._head[slots[fresh]] = (column[fresh] + 1) % DEPTH
        self._ts[slots, column] = ts
        self._values[slots, column] = values
        self._up[slots, column] = up

    def _slot_ids(self, batch: SampleBatch, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
        top = int(ids.max()) + 1
        if top > len(self._slot_of):
            grown = np.full(max(top, 2 * len(self._slot_of)), -1, dtype=np.intp)
            grown[: len(self._slot_of)] = self._slot_of
            self._slot_of = grown
        slots = self._slot_of[ids]
        for row in np.flatnonzero(slots < 0).tolist():  # series new to the index
            ident = ids[row]
            if self._slot_of[ident] < 0:
                self._slot_of[ident] = len(self._keys)
                self._keys.append((batch.site[row], batch.link[row], batch.app[row]))
                self._order = None
            slots[row] = self._slot_of[ident]
        if len(self._keys) > len(self._head):
            self._grow(2 * len(self._keys))
        return slots

    def _grow(self, capacity: int) -> None:
        extra = capacity - len(self._head)
        self._ts = np.concatenate([self._ts, np.full((extra, DEPTH), _NONE, dtype=np.int64)])
        self._values = np.concatenate(
            [self._values, np.zeros((extra, DEPTH, len(METRICS)), dtype=np.float64)]
        )
        self._up = np.concatenate([self._up, np.zeros((extra, DEPTH), dtype=np.bool_)])
        self._head = np.concatenate([self._head, np.zeros(extra, dtype=np.intp)])
        self._evicted = np.concatenate([self._evicted, np.full(extra, _NONE, dtype=np.int64)])

    def latest(self, select: Selector, after: int, until: int) -> SampleBatch | None:
        """Per selected series, the newest sample with after < ts <= until, in (site, link,
        app) order; None when the index cannot be sure (see the module)."""
        if after < self.complete_after_ms:
            return None
        with self._lock:
            slots = self._selected(select)
            ts = self._ts[slots]
            inside = (ts > after) & (ts <= until)
            best = np.where(inside, ts, _NONE).argmax(axis=1)
            found = inside[np.arange(len(slots)), best]
            chosen = ts[np.arange(len(slots)), best]
            # An entry pushed out of the ring is the answer if it is inside the window and
            # newer than what the ring still holds there.
            lost = self._evicted[slots]
            if np.any((lost > after) & (~found | (lost > chosen))):
                return None
            slots, best = slots[found], best[found]
            values, up = self._values[slots, best], self._up[slots, best]
            ts = self._ts[slots, best]
        # The series' names outside the lock (a Python loop over 40,000 slots for the whole
        # network, which writes would otherwise wait for): `_keys` only grows.
        keys = [self._keys[s] for s in slots.tolist()]
        return SampleBatch(
            site=tuple(k[0] for k in keys),
            link=tuple(k[1] for k in keys),
            app=tuple(k[2] for k in keys),
            ts_ms=ts,
            **{name: values[:, i] for i, name in enumerate(METRICS)},
            up=up,
        )

    def _selected(self, select: Selector) -> npt.NDArray[np.intp]:
        if self._order is None:
            self._order = np.array(
                sorted(range(len(self._keys)), key=self._keys.__getitem__), dtype=np.intp
            )
            self._order_sites = [self._keys[s][0] for s in self._order.tolist()]
        order = self._order
        if select.site is not None:  # one site's series are a run of the order: find it
            order = order[bisect_left(self._order_sites, select.site) :
                          bisect_right(self._order_sites, select.site)]  # fmt: skip
        if select.link is None and select.app is None:
            return order
        keys = self._keys
        return np.array([s for s in order if select.matches(*keys[s])], dtype=np.intp)

    def forget_before(self, cutoff_ms: int) -> None:
        """The store expired everything older than `cutoff_ms`: so does the index."""
        with self._lock:
            old = self._ts < cutoff_ms
            self._ts[old] = _NONE
            self._evicted[self._evicted < cutoff_ms] = _NONE
