"""SQL of the embedded store's reads: raw ranges, windowed means, latest per series."""

from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np

from telemetry.batch import METRICS, SampleBatch, WindowBatch
from telemetry.store.base import Selector
from telemetry.store.embedded.rollup import Watermarks
from telemetry.store.embedded.schema import BUCKET_MS, METRIC_COLUMNS
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


def _rows(table: str, select: Selector, lo: int, hi: int, columns: str) -> tuple[str, list[Any]]:
    """`SELECT columns FROM table t JOIN series s`: the selected series' rows in [lo, hi).

    A site's rows are found with a seek per bucket of the range on the table's (bucket,
    series, ts) index (schema.py): a few thousand seeks for 6 h of a site's raw samples. Rows
    of every site (no site selected) are read by scanning the range in time order."""
    where, params = _where(select)
    if select.site is None:
        sql = (f"SELECT {columns} FROM {table} t JOIN series s ON s.id = t.series "
               f"WHERE t.ts >= ? AND t.ts < ?{where}")  # fmt: skip
        return sql, [lo, hi, *params]
    bucket = BUCKET_MS[table]
    sql = (
        f"SELECT {columns} FROM series s CROSS JOIN (WITH RECURSIVE k(bucket) AS (SELECT ? "
        "UNION ALL SELECT bucket + 1 FROM k WHERE bucket < ?) SELECT bucket FROM k) k "
        f"CROSS JOIN {table} t ON t.ts / {bucket} = k.bucket AND t.series = s.id "
        f"WHERE t.ts >= ? AND t.ts < ?{where}"
    )
    return sql, [lo // bucket, (hi - 1) // bucket, lo, hi, *params]


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


SAMPLE = f"s.site, s.link, s.app, t.ts AS ts, {METRIC_COLUMNS}, up"


def raw_range(conn: sqlite3.Connection, select: Selector, start: int, end: int) -> SampleBatch:
    sql, params = _rows("raw", select, start, end, SAMPLE)
    return _samples(conn.execute(f"{sql} {ORDER}", params).fetchall())


def latest(conn: sqlite3.Connection, select: Selector, after: int, until: int) -> SampleBatch:
    """Newest raw sample of each selected series with after < ts <= until."""
    columns = "t.series AS series, MAX(t.ts) AS newest"
    newest, params = _rows("raw", select, after + 1, until + 1, columns)
    rows = conn.execute(
        f"SELECT {SAMPLE} FROM ({newest} GROUP BY 1) l "
        "JOIN raw t ON t.ts = l.newest AND t.series = l.series "
        f"JOIN series s ON s.id = t.series {ORDER}",
        params,
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
    selects, args = [], []
    for table, lo, hi in sources(marks, window, start, end):
        counts = "1 AS n, t.up AS n_up" if table == "raw" else "t.n, t.n_up"
        sql, params = _rows(table, select, lo, hi, f"t.series AS series, t.ts AS ts, {counts}, "
                            f"{METRIC_COLUMNS}")  # fmt: skip
        selects.append(sql)
        args += params
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
