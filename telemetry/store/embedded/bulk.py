"""Many rows into SQLite in a few statements, not one step per row.

`executemany` steps once per row, and Python's sqlite3 releases the GIL around every step: while
any other thread of the process wants the GIL (an API request being parsed, a loop tick), each
row waits for it, up to the interpreter's switch interval (5 ms). Measured with one busy thread
beside it, 10,000 rows took 23 s that way, and 51 ms as a few multi-row INSERTs
(docs/benchmarks.md, "Telemetry ingest").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache
from itertools import chain

MAX_ROWS = 4096
"""Rows per statement, within SQLite's default bound of 32,766 parameters for 8 columns."""


@cache
def _insert(verb: str, table: str, width: int, rows: int) -> str:
    row = "(" + ",".join("?" * width) + ")"
    return f"{verb} INTO {table} VALUES " + ",".join([row] * rows)


def insert_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[Sequence[object]], *,
    verb: str = "INSERT OR REPLACE",
) -> None:  # fmt: skip
    """Insert rows given as equally long columns, `MAX_ROWS` rows per statement."""
    width = len(columns)
    rows = list(zip(*columns, strict=True))
    per = max(1, min(MAX_ROWS, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        conn.execute(_insert(verb, table, width, len(part)), list(chain.from_iterable(part)))
