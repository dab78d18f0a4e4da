"""The embedded store's SQLite schema.

Series are dictionary-encoded (one row per site/link/app) so sample rows stay ~60 bytes.
Sample tables are keyed by (ts, series): rollups and expiry scan time ranges sequentially.
A (bucket, series, ts) index, the bucket a fixed slice of time (`BUCKET_MS`), serves per-site
reads with a seek per bucket. It replaced a plain (series, ts) index: at 40,000 series a
second, each 10,000-sample write put an entry at the end of 10,000 series' runs, each on a page
of its own, so a commit wrote a page per sample, and the index's pages outgrew any cache: a
write took 215 ms at the median after 4 minutes of the reference load, and more as the table
grew. Within a bucket the entries of one instant lie together, so a write touches a few pages
of the current bucket at any size of the table (46 ms; `bench/bench_embedded_maintenance.py`).
Rollup tables keep sums and counts, not means, so that coarser windows combine them exactly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from telemetry.errors import TelemetryStoreError
from telemetry.private_files import private_file

SCHEMA_VERSION = 1

METRIC_COLUMNS = "latency_ms, jitter_ms, loss_pct, utilization, throughput_bps"

BUCKET_MS = {"raw": 10_000, "rollup_1m": 600_000, "rollup_1h": 86_400_000}
"""Each sample table's index bucket: at most 10 rows of a series (raw, a sample a second), 10
(1-minute rollups) or 24 (1-hour rollups)."""

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL, link TEXT NOT NULL, app TEXT NOT NULL,
    UNIQUE (site, link, app)
);
CREATE TABLE IF NOT EXISTS raw (
    ts INTEGER NOT NULL, series INTEGER NOT NULL,
    latency_ms REAL NOT NULL, jitter_ms REAL NOT NULL, loss_pct REAL NOT NULL,
    utilization REAL NOT NULL, throughput_bps REAL NOT NULL, up INTEGER NOT NULL,
    PRIMARY KEY (ts, series)
) WITHOUT ROWID;
DROP INDEX IF EXISTS raw_by_series;
CREATE INDEX IF NOT EXISTS raw_by_bucket ON raw (ts / {BUCKET_MS["raw"]}, series, ts);
{
    "".join(
        f'''
CREATE TABLE IF NOT EXISTS {table} (
    ts INTEGER NOT NULL, series INTEGER NOT NULL, n INTEGER NOT NULL, n_up INTEGER NOT NULL,
    latency_ms REAL NOT NULL, jitter_ms REAL NOT NULL, loss_pct REAL NOT NULL,
    utilization REAL NOT NULL, throughput_bps REAL NOT NULL,
    PRIMARY KEY (ts, series)
) WITHOUT ROWID;
DROP INDEX IF EXISTS {table}_by_series;
CREATE INDEX IF NOT EXISTS {table}_by_bucket ON {table} (ts / {BUCKET_MS[table]}, series, ts);'''
        for table in ("rollup_1m", "rollup_1h")
    )
}
"""


def open_reader(path: Path) -> sqlite3.Connection:
    """Another connection to a database `connect` opened already: reads only."""
    try:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error as exc:
        raise TelemetryStoreError(f"cannot open the telemetry database {path}: {exc}") from exc
    return conn


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path` in WAL mode and check its version."""
    try:
        private_file(path)
        # The store serialises access with its own lock, so one connection may serve threads.
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
        conn.executescript(DDL)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise TelemetryStoreError(
                f"{path}: schema version {row[0]}, this code reads {SCHEMA_VERSION}"
            )
    except (sqlite3.Error, OSError) as exc:
        raise TelemetryStoreError(f"cannot open the telemetry database {path}: {exc}") from exc
    return conn


def get_meta(conn: sqlite3.Connection, key: str, default: int) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else int(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: int) -> None:
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
