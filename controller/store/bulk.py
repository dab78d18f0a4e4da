"""Many rows into the controller's database in few round trips and few steps.

SQLAlchemy's per-row parameter processing costs more than the database does at 160,000 rows
(the placement tick at 10,000 sites), so rows are handed to the driver as they are, already in
its form (see `bound`), in the order of `columns`:
- PostgreSQL: COPY (psycopg streams the rows);
- SQLite: multi-row VALUES. Python's sqlite3 steps once per row of an executemany and gives up
  the GIL at each step, so beside any busy thread every row waits for it (docs/benchmarks.md,
  "The embedded store's write beside a busy thread").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import chain
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Select, Table, func, insert, select

Row = tuple[object, ...]

SQLITE_PARAMETERS = 32_766
"""SQLite's default bound on the parameters of one statement (since 3.32)."""


def insert_many(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Row]
) -> None:
    """INSERT the rows."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
        return
    stmt = insert(table)
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    if conn.dialect.name != "sqlite" or tuple(compiled.positiontup or ()) != columns:
        params: list[Any] = [dict(zip(columns, row, strict=True)) for row in rows]
        conn.execute(stmt, params)
        return
    head, values, tail = _values_clause(str(compiled), len(columns))
    per = SQLITE_PARAMETERS // len(columns)
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        conn.exec_driver_sql(
            head + ",".join([values] * len(part)) + tail, tuple(chain.from_iterable(part))
        )


def _copy(conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Row]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    driver = conn.connection.driver_connection
    with (
        driver.cursor() as cursor,  # type: ignore[union-attr]
        cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _values_clause(sql: str, width: int) -> tuple[str, str, str]:
    """A compiled single-row INSERT split around its row of placeholders."""
    row = "(" + ", ".join(["?"] * width) + ")"
    head, found, tail = sql.partition(" VALUES " + row)
    if not found:
        raise ValueError(f"not a single-row INSERT of {width} placeholders: {sql}")
    return head + " VALUES ", row, tail


def new_ids(conn: Connection, column: ColumnElement[int], newest: int, count: int) -> list[int]:
    """The ids of the `count` rows this transaction added above `newest`, in order. As the only
    writer of the table for the transaction, they are usually newest+1 … newest+count: checked
    with one aggregate row, and read one by one only if not (reading 160,000 rows on SQLite
    waits for the GIL at every row, like writing them)."""
    low, high, n = conn.execute(
        select(func.min(column), func.max(column), func.count()).where(column > newest)
    ).one()
    if n == count and n and high - low + 1 == n:
        return list(range(low, high + 1))
    return list(conn.scalars(select(column).where(column > newest).order_by(column)))


def select_all(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of `query` (integers and text only). On SQLite in one step, as one JSON
    array that SQLite builds: a row at a time, each row would wait for the GIL."""
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(query)]
    inner = query.subquery()
    packed = select(func.json_group_array(func.json_array(*inner.columns)))
    text = conn.scalar(packed)
    return [tuple(row) for row in orjson.loads(text or "[]")]


def bound(conn: Connection, column: ColumnElement[datetime], value: datetime) -> object:
    """`value` as the database driver takes it for `column` (its type's own conversion)."""
    process = column.type.bind_processor(conn.dialect)
    value_ = process(value) if process is not None else value
    if conn.dialect.name == "sqlite" and isinstance(value_, datetime):
        # What sqlite3's default adapter makes of it, once instead of once per row.
        return value_.isoformat(" ")
    return value_
