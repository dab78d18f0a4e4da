"""Recorded samples, indexed by series, answering "the newest sample at tick t" quickly.

`latest_at(t)` has exactly the semantics of `TelemetryStore.latest(now=t, lookback=...)`: per
series, the newest sample with t - lookback < ts <= t (all in integer milliseconds). The
samples are read once and searched with numpy, so a replay does not query the store per tick.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from telemetry.batch import SampleBatch


class SeriesIndex:
    """The rows of a batch grouped by series (site, link, app), each group ordered by time."""

    def __init__(self, samples: SampleBatch) -> None:
        self._samples = samples
        groups: dict[tuple[str, str, str], list[int]] = {}
        for i, key in enumerate(zip(samples.site, samples.link, samples.app, strict=True)):
            groups.setdefault(key, []).append(i)
        self._rows: list[npt.NDArray[np.intp]] = []
        self._times: list[npt.NDArray[np.int64]] = []
        for key in sorted(groups):
            rows = np.array(groups[key], dtype=np.intp)
            order = np.argsort(samples.ts_ms[rows], kind="stable")  # equal times: later row last
            self._rows.append(rows[order])
            self._times.append(samples.ts_ms[rows[order]])

    def __len__(self) -> int:
        """The number of series."""
        return len(self._rows)

    def latest_rows(self, ticks_ms: npt.NDArray[np.int64], lookback_ms: int) -> list[list[int]]:
        """For each tick, the rows of the newest sample of every series in (t - lookback, t]."""
        ticks, rows_of = [], []
        for rows, times in zip(self._rows, self._times, strict=True):
            at = np.searchsorted(times, ticks_ms, side="right") - 1
            fresh = (at >= 0) & (times[np.maximum(at, 0)] > ticks_ms - lookback_ms)
            hit = np.flatnonzero(fresh)
            ticks.append(hit)
            rows_of.append(rows[at[hit]])
        if not ticks:
            return [[] for _ in range(len(ticks_ms))]
        tick_of, row_of = np.concatenate(ticks), np.concatenate(rows_of)
        order = np.argsort(tick_of, kind="stable")
        bounds = np.searchsorted(tick_of[order], np.arange(len(ticks_ms) + 1))
        sorted_rows = row_of[order].tolist()
        return [sorted_rows[bounds[k] : bounds[k + 1]] for k in range(len(ticks_ms))]

    def take(self, rows: list[int]) -> SampleBatch:
        """The given rows as a batch (what `TelemetryStore.latest` would have answered)."""
        return self._samples.take(np.array(rows, dtype=np.intp))
