"""The embedded store's bulk statements: a first second of a whole network (more new series
than one statement takes) is stored whole, and reads back exactly."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from telemetry.batch import METRICS, SampleBatch
from telemetry.store.embedded.bulk import MAX_ROWS, insert_rows, select_rows
from telemetry.store.embedded.store import open_store


def test_a_whole_network_of_new_series_in_one_write(tmp_path: Path) -> None:
    now = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
    n = 2 * MAX_ROWS + 17
    batch = SampleBatch(
        site=tuple(f"br-{i // 4:05d}" for i in range(n)),
        link=tuple(f"link-{i % 4}" for i in range(n)),
        app=("",) * n,
        ts_ms=np.full(n, int(now.timestamp() * 1000) - 1000, dtype=np.int64),
        latency_ms=np.arange(n, dtype=np.float64),
        **{name: np.zeros(n) for name in METRICS if name != "latency_ms"},
        up=np.ones(n, dtype=np.bool_),
    )
    store = open_store(now.timestamp, path=tmp_path / "t.db")
    store.write(batch)
    again = open_store(now.timestamp, path=tmp_path / "t.db")  # reads the tables, not memory
    back = again.latest(now=now, lookback=timedelta(seconds=30))
    order = sorted(range(n), key=lambda i: (batch.site[i], batch.link[i]))
    assert back.site == tuple(batch.site[i] for i in order)
    assert back.latency_ms.tolist() == [float(i) for i in order]
    store.close()
    again.close()


def test_select_rows_answers_as_a_plain_select(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")
    rows = [(i, f"naïve \"quoted\" 'name' {i}", i * 7 - 3) for i in range(1, 5000)]
    insert_rows(conn, "t", list(zip(*rows, strict=True)))
    query = "SELECT id, name, n FROM t WHERE id > ? ORDER BY id"
    plain = [list(r) for r in conn.execute(query, (10,))]
    assert select_rows(conn, query, (10,)) == plain
    assert select_rows(conn, query, (10_000,)) == []
