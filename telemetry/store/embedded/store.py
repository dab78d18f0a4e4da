"""The embedded telemetry store: one SQLite file in WAL mode, no server.

Writes go to the raw table (same series and timestamp: replaced, as in InfluxDB). A write
also takes one bounded step of rolling samples up into minutes and hours and expiring old rows
when one is due (see rollup.py); `maintain(now)` catches up on demand.

Reads never wait for a write, nor for each other: they have connections of their own, up to
`READERS` at once (WAL lets a reader see the last commit while a writer works), and `latest` is
answered from the newest samples kept in memory as they are written (`NewestSamples`), falling
back to SQL only where those cannot be sure (samples written before this process, or by
another one).
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
from telemetry.errors import StoreClosedError, TelemetryStoreError
from telemetry.samples import from_ms, to_ms
from telemetry.store.base import ALL, DEFAULT_LOOKBACK, Selector
from telemetry.store.embedded import reads
from telemetry.store.embedded.bulk import insert_rows, select_rows
from telemetry.store.embedded.rollup import Watermarks, maintain, raw_cutoff, recompute_late
from telemetry.store.embedded.schema import connect, open_reader
from telemetry.store.embedded.settings import EmbeddedSettings
from telemetry.store.newest import NewestSamples

Clock = Callable[[], float]
SeriesKey = tuple[str, str, str]

READERS = 4
"""Read connections at most, each in one thread's hands at a time: a replay reading raw
samples for a second under full ingest does not hold up a site's chart."""


class EmbeddedStore:
    """`TelemetryStore` on SQLite. Thread-safe (a lock for the writer; readers each with a
    connection of their own, `READERS` at most); `clock` returns epoch seconds."""

    durable = True
    """A write returns once its transaction is committed (WAL: survives the process dying)."""

    def __init__(self, settings: EmbeddedSettings, clock: Clock = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = connect(settings.path)
        self._reader_slots = threading.BoundedSemaphore(READERS)
        self._readers_lock = threading.Lock()
        self._idle_readers: list[sqlite3.Connection] = []  # opened when first needed
        self._closed = False
        self._series: dict[SeriesKey, int] = {
            (site, link, app): ident
            for ident, site, link, app in self._conn.execute("SELECT * FROM series")
        }
        self._marks = Watermarks.load(self._conn)
        self._next_maintenance = 0
        self._newest = NewestSamples(self._newest_stored(self._conn))
        self._seen_version = self._data_version(self._conn)
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
                self._note_other_writers(self._conn)  # what `latest` skips while we write
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise TelemetryStoreError(
                    f"telemetry database {self.settings.path}: {exc}"
                ) from exc

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction on a reader's connection of its own: a consistent snapshot."""
        with self._reader_slots:
            with self._readers_lock:
                if self._closed:
                    raise StoreClosedError("the embedded telemetry store is closed")
                conn = self._idle_readers.pop() if self._idle_readers else None
            if conn is None:
                conn = open_reader(self.settings.path)
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise TelemetryStoreError(
                    f"telemetry database {self.settings.path}: {exc}"
                ) from exc
            finally:
                self._give_back(conn)

    def _give_back(self, reader: sqlite3.Connection) -> None:
        with self._readers_lock:
            if self._closed:  # closed while it was in use
                reader.close()
            else:
                self._idle_readers.append(reader)

    @staticmethod
    def _newest_stored(conn: sqlite3.Connection) -> int:
        newest = conn.execute("SELECT MAX(ts) FROM raw").fetchone()[0]
        return int(np.iinfo(np.int64).min if newest is None else newest)

    @staticmethod
    def _data_version(conn: sqlite3.Connection) -> int:
        return int(conn.execute("PRAGMA data_version").fetchone()[0])

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _series_ids(self, conn: sqlite3.Connection, batch: SampleBatch) -> list[int]:
        keys = list(zip(batch.site, batch.link, batch.app, strict=True))
        ids = list(map(self._series.get, keys))
        if None not in ids:
            return ids  # type: ignore[return-value]  # (no None in it)
        new = set(keys) - self._series.keys()
        if new:
            # In bulk (a new network's first second brings 40,000), and whatever another
            # process on the same file has added since is read back with ours.
            insert_rows(conn, "series (site, link, app)", list(zip(*new, strict=True)),
                        verb="INSERT OR IGNORE")  # fmt: skip
            newest = max(self._series.values(), default=0)
            for ident, site, link, app in select_rows(
                conn, "SELECT id, site, link, app FROM series WHERE id > ?", (newest,)
            ):
                self._series[(site, link, app)] = ident
        return [self._series[key] for key in keys]

    def write(self, batch: SampleBatch) -> None:
        """Store the batch now (synchronously, in one transaction)."""
        now = self._now_ms()
        keep = batch.ts_ms >= raw_cutoff(self.settings, now)
        if not keep.all():
            self.dropped += int((~keep).sum())
            batch = batch.take(np.flatnonzero(keep))
        ids: list[int] = []
        with self._transaction() as conn:
            if len(batch):
                ids = self._series_ids(conn, batch)
                columns = (
                    batch.ts_ms.tolist(),
                    ids,
                    batch.latency_ms.tolist(),
                    batch.jitter_ms.tolist(),
                    batch.loss_pct.tolist(),
                    batch.utilization.tolist(),
                    batch.throughput_bps.tolist(),
                    batch.up.astype(np.int8).tolist(),
                )
                insert_rows(conn, "raw", columns)
                late = batch.ts_ms[batch.ts_ms < self._marks.raw]
                if len(late):
                    recompute_late(conn, self._marks, late.tolist())
            if now >= self._next_maintenance:
                self._maintain(conn, now)
        # Committed: only now may readers of the index see it.
        self._newest.write(batch, np.array(ids, dtype=np.int64))

    def _note_other_writers(self, conn: sqlite3.Connection) -> None:
        """Another connection (another process) committed since we last looked: what it wrote
        is not in the index, so the index answers only after the newest sample stored now."""
        version = self._data_version(conn)
        if version != self._seen_version:
            self._newest.complete_after_ms = max(
                self._newest.complete_after_ms, self._newest_stored(conn)
            )
            self._seen_version = version

    def _maintain(self, conn: sqlite3.Connection, now: int) -> bool:
        """One bounded step; the next write takes another at once if more is due."""
        more = maintain(conn, self.settings, self._marks, now)
        self._newest.forget_before(min(raw_cutoff(self.settings, now), self._marks.minute))
        self._next_maintenance = now if more else now + self.settings.ms("maintenance_step")
        return more

    def maintain(self, now: datetime | None = None) -> None:
        """Roll up and expire everything due now (or as if the clock read `now`), a step per
        transaction so that writes go on between them."""
        at = self._now_ms() if now is None else to_ms(now)
        more = True
        while more:
            with self._transaction() as conn:
                more = self._maintain(conn, at)

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
        with self._reading() as conn:
            if window is None:
                return reads.raw_range(conn, select, lo, hi)
            step = int(window.total_seconds() * 1000)
            lo, hi = window_bounds(lo, hi, step)
            # The watermarks of this snapshot, not the writer's (it may have rolled up since).
            marks = Watermarks.load(conn)
            return reads.windows(conn, select, marks, window=step, start=lo, end=hi)

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
        # Has another process written? Asked on the writer's connection, so only when no
        # write of ours holds it: a write under way asks the same before it commits, and
        # waiting behind it (and the writes queued after it, at 40,000 samples/s) would keep
        # a site's panel 0.1-0.2 s for nothing.
        if self._lock.acquire(blocking=False):
            try:
                if self._conn is None:
                    raise StoreClosedError("the embedded telemetry store is closed")
                self._note_other_writers(self._conn)
            finally:
                self._lock.release()
        elif self._conn is None:
            raise StoreClosedError("the embedded telemetry store is closed")
        known = self._newest.latest(select, after, until)
        if known is not None:
            return known
        with self._reading() as conn:
            return reads.latest(conn, select, after, until)

    def horizon(self) -> datetime:
        """Raw samples older than the raw retention (6 h by default, to the minute) are dropped."""
        return from_ms(raw_cutoff(self.settings, self._now_ms()))

    def flush(self, timeout: float = 30.0) -> None:
        """Nothing to wait for: every write is committed before it returns."""
        with self._transaction():
            pass

    def close(self) -> None:
        with self._lock, self._readers_lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._closed = True  # a reader in use is closed when given back
            for conn in self._idle_readers:
                conn.close()
            self._idle_readers.clear()

    def table_counts(self) -> dict[str, int]:
        """Rows per table (for tests, the bench and operators sizing the disk)."""
        with self._reading() as conn:
            return {
                table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in ("raw", "rollup_1m", "rollup_1h")
            }


def open_store(clock: Clock = time.time, **options: Any) -> EmbeddedStore:
    """Registry factory: options are `EmbeddedSettings` fields."""
    return EmbeddedStore(EmbeddedSettings(**options), clock=clock)
