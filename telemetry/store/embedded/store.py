"""The embedded telemetry store: one SQLite file in WAL mode, no server.

Writes go to the raw table (same series and timestamp: replaced, as in InfluxDB). Every
`maintenance_interval` of the store's clock a write also rolls complete minutes and hours up
and expires old rows (see rollup.py); `maintain(now)` does it on demand.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, overload

import numpy as np

from telemetry.aggregate import window_bounds
from telemetry.batch import SampleBatch, WindowBatch
from telemetry.errors import StoreClosedError, StoreError
from telemetry.samples import from_ms, to_ms
from telemetry.store.base import ALL, DEFAULT_LOOKBACK, Selector
from telemetry.store.embedded import reads
from telemetry.store.embedded.rollup import Watermarks, maintain, raw_cutoff, recompute_late
from telemetry.store.embedded.schema import connect
from telemetry.store.embedded.settings import EmbeddedSettings

Clock = Callable[[], float]
SeriesKey = tuple[str, str, str]


class EmbeddedStore:
    """`TelemetryStore` on SQLite. Thread-safe (one lock); `clock` returns epoch seconds."""

    def __init__(self, settings: EmbeddedSettings, clock: Clock = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = connect(settings.path)
        self._series: dict[SeriesKey, int] = {
            (site, link, app): ident
            for ident, site, link, app in self._conn.execute("SELECT * FROM series")
        }
        self._marks = Watermarks.load(self._conn)
        self._next_maintenance = 0
        self.dropped = 0
        """Samples not stored because they were older than the raw retention when written."""

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StoreClosedError("the embedded telemetry store is closed")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"telemetry database {self.settings.path}: {exc}") from exc

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _series_ids(self, conn: sqlite3.Connection, batch: SampleBatch) -> list[int]:
        keys = list(zip(batch.site, batch.link, batch.app, strict=True))
        for key in set(keys) - self._series.keys():
            cursor = conn.execute("INSERT INTO series (site, link, app) VALUES (?, ?, ?)", key)
            assert cursor.lastrowid is not None  # an INSERT into a rowid table always has one
            self._series[key] = cursor.lastrowid
        return [self._series[key] for key in keys]

    def write(self, batch: SampleBatch) -> None:
        """Store the batch now (synchronously, in one transaction)."""
        now = self._now_ms()
        keep = batch.ts_ms >= raw_cutoff(self.settings, now)
        if not keep.all():
            self.dropped += int((~keep).sum())
            batch = batch.take(np.flatnonzero(keep))
        with self._transaction() as conn:
            if len(batch):
                rows = zip(
                    batch.ts_ms.tolist(),
                    self._series_ids(conn, batch),
                    batch.latency_ms.tolist(),
                    batch.jitter_ms.tolist(),
                    batch.loss_pct.tolist(),
                    batch.utilization.tolist(),
                    batch.throughput_bps.tolist(),
                    batch.up.astype(np.int8).tolist(),
                    strict=True,
                )
                conn.executemany("INSERT OR REPLACE INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                late = batch.ts_ms[batch.ts_ms < self._marks.minute]
                if len(late):
                    recompute_late(conn, self._marks, late.tolist())
            if now >= self._next_maintenance:
                self._maintain(conn, now)

    def _maintain(self, conn: sqlite3.Connection, now: int) -> None:
        maintain(conn, self.settings, self._marks, now)
        self._next_maintenance = now + self.settings.ms("maintenance_interval")

    def maintain(self, now: datetime | None = None) -> None:
        """Roll up and expire now (or as if the clock read `now`)."""
        with self._transaction() as conn:
            self._maintain(conn, self._now_ms() if now is None else to_ms(now))

    @overload
    def query(
        self, select: Selector, start: datetime, end: datetime, window: None = None
    ) -> SampleBatch: ...

    @overload
    def query(
        self, select: Selector, start: datetime, end: datetime, window: timedelta
    ) -> WindowBatch: ...

    def query(
        self, select: Selector, start: datetime, end: datetime, window: timedelta | None = None
    ) -> SampleBatch | WindowBatch:
        """Raw samples in [start, end), or means per window (see `TelemetryStore.query`)."""
        lo, hi = to_ms(start), to_ms(end)
        with self._transaction() as conn:
            if window is None:
                return reads.raw_range(conn, select, lo, hi)
            step = int(window.total_seconds() * 1000)
            lo, hi = window_bounds(lo, hi, step)
            return reads.windows(conn, select, self._marks, window=step, start=lo, end=hi)

    def latest(
        self,
        select: Selector = ALL,
        *,
        now: datetime | None = None,
        lookback: timedelta = DEFAULT_LOOKBACK,
    ) -> SampleBatch:
        """The newest raw sample per selected series within (now - lookback, now]."""
        until = self._now_ms() if now is None else to_ms(now)
        after = until - int(lookback.total_seconds() * 1000)
        with self._transaction() as conn:
            return reads.latest(conn, select, after, until)

    def horizon(self) -> datetime:
        """Raw samples older than the raw retention (6 h by default, to the minute) are dropped."""
        return from_ms(raw_cutoff(self.settings, self._now_ms()))

    def flush(self, timeout: float = 30.0) -> None:
        """Nothing to wait for: every write is committed before it returns."""
        with self._transaction():
            pass

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def table_counts(self) -> dict[str, int]:
        """Rows per table (for tests, the bench and operators sizing the disk)."""
        with self._transaction() as conn:
            return {
                table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in ("raw", "rollup_1m", "rollup_1h")
            }


def open_store(clock: Clock = time.time, **options: Any) -> EmbeddedStore:
    """Registry factory: options are `EmbeddedSettings` fields."""
    return EmbeddedStore(EmbeddedSettings(**options), clock=clock)
