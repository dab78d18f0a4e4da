"""Many rows into and out of SQLite in a few steps, not one step per row.

`executemany` steps once per row, and Python's sqlite3 releases the GIL around every step: while
any other thread of the process wants the GIL (an API request being parsed, a loop tick), each
row waits for it, up to the interpreter's switch interval (5 ms). Measured with one busy thread
beside it, 10,000 rows took 23 s that way, and 51 ms as a few multi-row INSERTs
(docs/benchmarks.md, "The embedded store's write beside a busy thread"). Reading many rows
has the same cost, one step per row: `select_rows` makes SQLite hand them over as one JSON
array.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import cache
from itertools import chain
from typing import Any

import orjson

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


def select_rows(
    conn: sqlite3.Connection, query: str, params: Sequence[object] = ()
) -> list[list[Any]]:
    """The rows of `query` in one step: SQLite aggregates them into one JSON array of arrays,
    decoded here at once. Integers and text only: SQLite writes reals into JSON with 15
    significant digits."""
    width = len(conn.execute(f"SELECT * FROM ({query}) LIMIT 0", params).description)
    columns = ", ".join(f"c{i}" for i in range(width))
    (text,) = conn.execute(
        f"WITH q({columns}) AS ({query}) SELECT json_group_array(json_array({columns})) FROM q",
        params,
    ).fetchone()
    rows: list[list[Any]] = orjson.loads(text)
    return rows
