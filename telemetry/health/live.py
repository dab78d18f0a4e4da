"""Live link state kept from the batches as they are written: health without reading back.

The controller's loop can score from `TelemetryStore.latest()`, but over a whole network that
read costs what the store holds in the lookback (about 0.5 s at 10,000 sites with 30 s of 1 s
samples in the embedded store; docs/benchmarks.md). The ingestion path already holds every
batch, so it can also `update` a `LiveLinks`, and scoring becomes a few numpy operations.
After a restart, seed it once with `update(store.latest(now=now))`.
"""

from __future__ import annotations

import threading
from datetime import datetime

import numpy as np

from telemetry.batch import SampleBatch
from telemetry.health.layout import HealthLayout
from telemetry.health.model import HealthRules
from telemetry.health.score import DEFAULT_RULES, LinkColumns, link_rows, score_columns
from telemetry.health.snapshot import HealthSnapshot
from telemetry.samples import to_ms

METRICS = ("latency_ms", "jitter_ms", "loss_pct", "utilization")


class LiveLinks:
    """Newest link-level sample of every link of a layout. Thread-safe."""

    def __init__(self, layout: HealthLayout) -> None:
        self.layout = layout
        self._columns = LinkColumns.empty(layout.valid.size)
        self._lock = threading.Lock()

    def update(self, batch: SampleBatch) -> int:
        """Take the batch's link-level samples that are newer than what is held; returns how
        many links changed. A late (older) sample never replaces a newer one."""
        rows, slots = link_rows(self.layout, batch, -1, np.iinfo(np.int64).max)
        with self._lock:
            cols = self._columns
            newer = batch.ts_ms[rows] >= cols.ts_ms[slots]
            rows, slots = rows[newer], slots[newer]
            cols.ts_ms[slots] = batch.ts_ms[rows]
            cols.up[slots] = batch.up[rows]
            for name in METRICS:
                getattr(cols, name)[slots] = getattr(batch, name)[rows]
        return len(slots)

    def snapshot(self, now: datetime, rules: HealthRules = DEFAULT_RULES) -> HealthSnapshot:
        """Health at `now`, by the same rules as `score` (stale samples are no data)."""
        now_ms = to_ms(now)
        after = now_ms - int(rules.stale_after.total_seconds() * 1000)
        with self._lock:
            return score_columns(self.layout, self._columns, now_ms, after)
