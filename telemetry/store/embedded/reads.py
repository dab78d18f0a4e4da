"""SQL of the embedded store's reads: raw ranges, windowed means, latest per series."""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np

from telemetry.batch import METRICS, SampleBatch, WindowBatch
from telemetry.store.base import Selector
from telemetry.store.embedded.rollup import Watermarks
from telemetry.store.embedded.schema import METRIC_COLUMNS
from telemetry.store.embedded.settings import HOUR_MS, MINUTE_MS

ORDER = "ORDER BY s.site, s.link, s.app, ts"


def _where(select: Selector) -> tuple[str, list[Any]]:
    """SQL conditions on the `series` table (alias s) for a selector."""
    clauses, params = [], []
    for column in ("site", "link", "app"):
        value = getattr(select, column)
        if value is not None:
            clauses.append(f"s.{column} = ?")
            params.append(value)
    return "".join(f" AND {c}" for c in clauses), params


def _samples(rows: list[tuple[Any, ...]]) -> SampleBatch:
    if not rows:
        return SampleBatch.empty()
    columns = list(zip(*rows, strict=True))
    return SampleBatch(
        site=columns[0],
        link=columns[1],
        app=columns[2],
        ts_ms=np.array(columns[3], dtype=np.int64),
        **{name: np.array(columns[4 + i]) for i, name in enumerate(METRICS)},
        up=np.array(columns[9], dtype=np.bool_),
    )


def raw_range(conn: sqlite3.Connection, select: Selector, start: int, end: int) -> SampleBatch:
    where, params = _where(select)
    rows = conn.execute(
        f"SELECT s.site, s.link, s.app, r.ts AS ts, {METRIC_COLUMNS}, up FROM raw r "
        f"JOIN series s ON s.id = r.series WHERE r.ts >= ? AND r.ts < ?{where} {ORDER}",
        [start, end, *params],
    ).fetchall()
    return _samples(rows)


def latest(conn: sqlite3.Connection, select: Selector, after: int, until: int) -> SampleBatch:
    """Newest raw sample of each selected series with after < ts <= until."""
    where, params = _where(select)
    rows = conn.execute(
        f"SELECT s.site, s.link, s.app, r.ts AS ts, {METRIC_COLUMNS}, up FROM raw r "
        "JOIN (SELECT r.series AS series, MAX(r.ts) AS newest FROM raw r "
        f"JOIN series s ON s.id = r.series WHERE r.ts > ? AND r.ts <= ?{where} GROUP BY 1) l "
        f"ON l.series = r.series AND l.newest = r.ts JOIN series s ON s.id = r.series {ORDER}",
        [after, until, *params],
    ).fetchall()
    return _samples(rows)


def sources(marks: Watermarks, window: int, start: int, end: int) -> list[tuple[str, int, int]]:
    """Which table answers which part of [start, end): the coarsest whose buckets divide the
    window and that has rolled up that part; raw samples for the rest."""
    parts, lo = [], start
    if window % HOUR_MS == 0:
        parts.append(("rollup_1h", lo, min(end, marks.hour)))
        lo = max(lo, marks.hour)
    if window % MINUTE_MS == 0:
        parts.append(("rollup_1m", lo, min(end, marks.minute)))
        lo = max(lo, marks.minute)
    parts.append(("raw", lo, end))
    return [(table, a, b) for table, a, b in parts if a < b]


def windows(
    conn: sqlite3.Connection,
    select: Selector,
    marks: Watermarks,
    *,
    window: int,
    start: int,
    end: int,
) -> WindowBatch:
    """Means per aligned window, from rollups where they exist and raw samples elsewhere."""
    where, params = _where(select)
    selects, args = [], []
    for table, lo, hi in sources(marks, window, start, end):
        counts = "1 AS n, up AS n_up" if table == "raw" else "n, n_up"
        selects.append(
            f"SELECT t.series AS series, t.ts AS ts, {counts}, {METRIC_COLUMNS} FROM {table} t "
            f"JOIN series s ON s.id = t.series WHERE t.ts >= ? AND t.ts < ?{where}"
        )
        args += [lo, hi, *params]
    sums = ", ".join(f"SUM(u.{c})" for c in ("n", "n_up", *METRICS))
    rows = conn.execute(
        f"SELECT s.site, s.link, s.app, u.ts - u.ts % {window} AS ts, {sums} FROM ("
        + " UNION ALL ".join(selects)
        + f") AS u JOIN series s ON s.id = u.series GROUP BY u.series, 4 {ORDER}",
        args,
    ).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 11
    count = np.array(columns[4], dtype=np.int64)
    return WindowBatch(
        site=tuple(columns[0]),
        link=tuple(columns[1]),
        app=tuple(columns[2]),
        ts_ms=np.array(columns[3], dtype=np.int64),
        count=count,
        up_ratio=np.array(columns[5], dtype=np.float64) / np.maximum(count, 1),
        **{
            name: np.array(columns[6 + i], dtype=np.float64) / np.maximum(count, 1)
            for i, name in enumerate(METRICS)
        },
    )
