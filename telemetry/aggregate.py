"""Window aggregation of a sample batch, in numpy.

The embedded store aggregates in SQL (and from its rollups); the InfluxDB backend reads raw
samples back and aggregates them here. Both follow the same rules, which the contract tests hold
them to: windows are aligned to the epoch, a window's value is the mean of its samples, and
`up_ratio` is the fraction of its samples that were up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from telemetry.batch import METRICS, FloatArray, SampleBatch, WindowBatch
from telemetry.errors import QueryError


def window_bounds(start_ms: int, end_ms: int, window_ms: int) -> tuple[int, int]:
    """[start, end) widened to whole windows: a window is either wholly in a result or not."""
    if window_ms <= 0:
        raise QueryError(f"a window must be at least 1 ms, got {window_ms} ms")
    return start_ms - start_ms % window_ms, -(-end_ms // window_ms) * window_ms


def aggregate(batch: SampleBatch, window_ms: int) -> WindowBatch:
    """Mean of every metric per (site, link, app, window), ordered like every store answers."""
    n = len(batch)
    keys = list(zip(batch.site, batch.link, batch.app, strict=True))
    ranks = {key: rank for rank, key in enumerate(sorted(set(keys)))}
    series = np.fromiter((ranks[k] for k in keys), dtype=np.int64, count=n)
    buckets = batch.ts_ms - batch.ts_ms % window_ms
    order = np.lexsort((buckets, series))
    series, buckets = series[order], buckets[order]
    starts = (
        np.flatnonzero(np.r_[True, (series[1:] != series[:-1]) | (buckets[1:] != buckets[:-1])])
        if n
        else np.empty(0, dtype=np.intp)
    )
    counts = np.diff(np.r_[starts, n]).astype(np.int64)

    def mean(column: npt.NDArray[Any]) -> FloatArray:
        if not n:
            return np.empty(0)
        sums: FloatArray = np.add.reduceat(column[order].astype(np.float64), starts)
        means: FloatArray = sums / counts
        return means

    firsts = order[starts]
    return WindowBatch(
        site=tuple(batch.site[i] for i in firsts),
        link=tuple(batch.link[i] for i in firsts),
        app=tuple(batch.app[i] for i in firsts),
        ts_ms=buckets[starts].astype(np.int64),
        count=counts,
        up_ratio=mean(batch.up),
        **{name: mean(getattr(batch, name)) for name in METRICS},
    )
