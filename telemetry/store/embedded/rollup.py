"""Downsampling and expiry of the embedded store: raw -> 1 minute -> 1 hour, then deletion.

Invariant: every raw sample older than `Watermarks.raw` is counted in the `rollup_1m` row of
its minute, and every 1-minute row older than `Watermarks.minutes` in the `rollup_1h` row of
its hour. A row of either rollup table holds exactly what its finer table held over its bucket
up to that watermark, so the rollups advance in small steps (a minute's row grows as its
seconds are rolled up) while reads take only whole buckets from them: `minute` and `hour`,
the watermarks floored to their bucket, say which buckets are complete.

SQLite has one writer, and a write of telemetry waits while maintenance runs. At the
reference load (40,000 samples a second) a minute of raw samples is 2.4 million rows: rolled up
or deleted at once, it held every write for about a second, once a minute. Each call of
`maintain` therefore does a bounded amount (`EmbeddedSettings.maintenance_step` of raw
samples, or a minute of minute rows, not both) and says whether more is due: at the reference
load a write then waits 47 ms at the median and 195 ms at the 99th percentile, instead of up to
2.3 s (`bench/bench_embedded_maintenance.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from telemetry.store.embedded.schema import METRIC_COLUMNS, get_meta, set_meta
from telemetry.store.embedded.settings import HOUR_MS, MINUTE_MS, EmbeddedSettings

SUMS = ", ".join(f"SUM({c})" for c in METRIC_COLUMNS.split(", "))
ADDED = ", ".join(f"{c} = {c} + excluded.{c}" for c in ("n", "n_up", *METRIC_COLUMNS.split(", ")))


def floor(ts_ms: int, step_ms: int) -> int:
    return ts_ms - ts_ms % step_ms


@dataclass(slots=True)
class Watermarks:
    """Ends (exclusive, in ms) of what each rollup table counts (see module)."""

    raw: int = 0
    """Raw samples before it are counted in `rollup_1m`."""
    minutes: int = 0
    """1-minute rows before it (a whole minute, complete) are counted in `rollup_1h`."""

    @property
    def minute(self) -> int:
        """`rollup_1m` rows before it are complete."""
        return floor(self.raw, MINUTE_MS)

    @property
    def hour(self) -> int:
        """`rollup_1h` rows before it are complete."""
        return floor(self.minutes, HOUR_MS)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Watermarks:
        # wm_1m and wm_1h: whole minutes and hours, as stores written before steps kept them.
        minute, hour = get_meta(conn, "wm_1m", 0), get_meta(conn, "wm_1h", 0)
        return cls(get_meta(conn, "wm_raw", minute), get_meta(conn, "wm_minutes", hour))

    def save(self, conn: sqlite3.Connection) -> None:
        set_meta(conn, "wm_raw", self.raw)
        set_meta(conn, "wm_minutes", self.minutes)
        set_meta(conn, "wm_1m", self.minute)
        set_meta(conn, "wm_1h", self.hour)


FROM = {"rollup_1m": ("raw", MINUTE_MS), "rollup_1h": ("rollup_1m", HOUR_MS)}
"""Each rollup table's finer table and bucket."""


def _roll(conn: sqlite3.Connection, target: str, lo: int, hi: int, *, add: bool) -> None:
    """Aggregate the finer table over [lo, hi) into `target`'s buckets: added to what the rows
    hold (a next step of the same bucket), or replacing them (a recompute)."""
    source, bucket = FROM[target]
    counts = "COUNT(*), SUM(up)" if source == "raw" else "SUM(n), SUM(n_up)"
    upsert = f" ON CONFLICT (ts, series) DO UPDATE SET {ADDED}" if add else ""
    verb = "INSERT" if add else "INSERT OR REPLACE"
    conn.execute(
        f"{verb} INTO {target} SELECT ts - ts % {bucket}, series, {counts}, {SUMS} "
        f"FROM {source} WHERE ts >= ? AND ts < ? GROUP BY 1, 2{upsert}",
        (lo, hi),
    )


def recompute_late(conn: sqlite3.Connection, marks: Watermarks, late_ts: Iterable[int]) -> None:
    """Samples written behind the raw watermark: recompute the minutes and hours they fall in,
    each up to its watermark."""
    minutes = {floor(ts, MINUTE_MS) for ts in late_ts if ts < marks.raw}
    for minute in sorted(minutes):
        _roll(conn, "rollup_1m", minute, min(minute + MINUTE_MS, marks.raw), add=False)
    for hour in sorted({floor(m, HOUR_MS) for m in minutes if m < marks.minutes}):
        _roll(conn, "rollup_1h", hour, min(hour + HOUR_MS, marks.minutes), add=False)


def raw_cutoff(settings: EmbeddedSettings, now_ms: int) -> int:
    """Raw samples older than this are deleted, and dropped if written."""
    return floor(now_ms - settings.ms("raw_retention"), MINUTE_MS)


def maintain(
    conn: sqlite3.Connection, settings: EmbeddedSettings, marks: Watermarks, now_ms: int
) -> bool:
    """One bounded step of rollup and of expiry per table. Returns whether more is due now.
    Each step starts at the table's next row (an index seek), so time with no samples costs
    nothing."""
    step = settings.ms("maintenance_step")
    minute_step = MINUTE_MS
    more = False

    due = floor(now_ms - settings.ms("late_grace"), step)
    rolled = False
    if due > marks.raw:
        lo = _next(conn, "raw", marks.raw, step)
        hi = due if lo is None or lo >= due else min(due, lo + step)
        if lo is not None and lo < hi:
            _roll(conn, "rollup_1m", lo, hi, add=True)
            rolled = True
        marks.raw, more = hi, more or hi < due
    if marks.minute > marks.minutes and rolled:
        more = True  # one rollup a call: the hours next time
    elif marks.minute > marks.minutes:
        lo = _next(conn, "rollup_1m", marks.minutes, MINUTE_MS)
        end = marks.minute
        hi = end if lo is None or lo >= end else min(end, lo + minute_step)
        if lo is not None and lo < hi:
            _roll(conn, "rollup_1h", lo, hi, add=True)
        marks.minutes, more = hi, more or hi < end
    marks.save(conn)

    # Never delete what has not been rolled up yet, whatever the clock says; nor the raw
    # samples of a minute a late sample may still have recomputed.
    expired = min(raw_cutoff(settings, now_ms), marks.minute)
    more = _expire(conn, "raw", expired, step) or more
    minute_cutoff = min(floor(now_ms - settings.ms("minute_retention"), HOUR_MS), marks.hour)
    more = _expire(conn, "rollup_1m", minute_cutoff, minute_step) or more
    hour_cutoff = floor(now_ms - settings.ms("hour_retention"), HOUR_MS)
    conn.execute("DELETE FROM rollup_1h WHERE ts < ?", (hour_cutoff,))
    return more


def _next(conn: sqlite3.Connection, table: str, at: int, step: int) -> int | None:
    """The start of the `step` holding `table`'s first row at or after `at`, or None."""
    found = conn.execute(f"SELECT MIN(ts) FROM {table} WHERE ts >= ?", (at,)).fetchone()[0]
    return None if found is None else max(at, floor(int(found), step))


def _expire(conn: sqlite3.Connection, table: str, cutoff: int, step: int) -> bool:
    """Delete at most `step` of `table`'s oldest rows before `cutoff`; whether more remain."""
    oldest = conn.execute(f"SELECT MIN(ts) FROM {table}").fetchone()[0]
    if oldest is None or oldest >= cutoff:
        return False
    until = min(cutoff, floor(int(oldest), step) + step)
    conn.execute(f"DELETE FROM {table} WHERE ts < ?", (until,))
    return until < cutoff
