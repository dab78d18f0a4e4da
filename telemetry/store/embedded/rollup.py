"""Downsampling and expiry of the embedded store: raw -> 1 minute -> 1 hour, then deletion.

Invariant: every sample older than the minute watermark is counted in `rollup_1m`, and every
minute older than the hour watermark in `rollup_1h`. Reads rely on it to take old windows from
the rollups and recent ones from the finer table without counting anything twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from telemetry.store.embedded.schema import METRIC_COLUMNS, get_meta, set_meta
from telemetry.store.embedded.settings import HOUR_MS, MINUTE_MS, EmbeddedSettings

SUMS = ", ".join(f"SUM({c})" for c in METRIC_COLUMNS.split(", "))


def floor(ts_ms: int, step_ms: int) -> int:
    return ts_ms - ts_ms % step_ms


@dataclass(slots=True)
class Watermarks:
    """Ends (exclusive, in ms) of what has been rolled up into each rollup table."""

    minute: int = 0
    hour: int = 0

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Watermarks:
        return cls(get_meta(conn, "wm_1m", 0), get_meta(conn, "wm_1h", 0))

    def save(self, conn: sqlite3.Connection) -> None:
        set_meta(conn, "wm_1m", self.minute)
        set_meta(conn, "wm_1h", self.hour)


def roll_minutes(conn: sqlite3.Connection, lo: int, hi: int) -> None:
    """(Re)compute the 1-minute rollups of [lo, hi) from raw samples (lo, hi minute-aligned)."""
    conn.execute(
        f"INSERT OR REPLACE INTO rollup_1m SELECT ts - ts % {MINUTE_MS}, series, COUNT(*), "
        f"SUM(up), {SUMS} FROM raw WHERE ts >= ? AND ts < ? GROUP BY 1, 2",
        (lo, hi),
    )


def roll_hours(conn: sqlite3.Connection, lo: int, hi: int) -> None:
    """(Re)compute the 1-hour rollups of [lo, hi) from 1-minute rollups (lo, hi hour-aligned)."""
    conn.execute(
        f"INSERT OR REPLACE INTO rollup_1h SELECT ts - ts % {HOUR_MS}, series, SUM(n), "
        f"SUM(n_up), {SUMS} FROM rollup_1m WHERE ts >= ? AND ts < ? GROUP BY 1, 2",
        (lo, hi),
    )


def recompute_late(conn: sqlite3.Connection, marks: Watermarks, late_ts: Iterable[int]) -> None:
    """Samples written behind a watermark: recompute just the minutes and hours they fall in."""
    minutes = {floor(ts, MINUTE_MS) for ts in late_ts if ts < marks.minute}
    for minute in sorted(minutes):
        roll_minutes(conn, minute, minute + MINUTE_MS)
    for hour in sorted({floor(m, HOUR_MS) for m in minutes if m < marks.hour}):
        roll_hours(conn, hour, hour + HOUR_MS)


def raw_cutoff(settings: EmbeddedSettings, now_ms: int) -> int:
    """Raw samples older than this are deleted, and dropped if written."""
    return floor(now_ms - settings.ms("raw_retention"), MINUTE_MS)


def maintain(
    conn: sqlite3.Connection, settings: EmbeddedSettings, marks: Watermarks, now_ms: int
) -> int:
    """Roll up every complete minute and hour, then expire what each table no longer keeps.
    Returns the time before which raw samples are gone."""
    minute = floor(now_ms - settings.ms("late_grace"), MINUTE_MS)
    if minute > marks.minute:
        roll_minutes(conn, marks.minute, minute)
        marks.minute = minute
    hour = floor(marks.minute, HOUR_MS)
    if hour > marks.hour:
        roll_hours(conn, marks.hour, hour)
        marks.hour = hour
    marks.save(conn)
    # Never delete what has not been rolled up yet, whatever the clock says.
    expired = min(raw_cutoff(settings, now_ms), marks.minute)
    conn.execute("DELETE FROM raw WHERE ts < ?", (expired,))
    minute_cutoff = floor(now_ms - settings.ms("minute_retention"), HOUR_MS)
    conn.execute("DELETE FROM rollup_1m WHERE ts < ?", (min(minute_cutoff, marks.hour),))
    hour_cutoff = floor(now_ms - settings.ms("hour_retention"), HOUR_MS)
    conn.execute("DELETE FROM rollup_1h WHERE ts < ?", (hour_cutoff,))
    return expired
