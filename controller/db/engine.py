"""Database engines: SQLite (WAL, foreign keys on) by default, PostgreSQL when a URL is given."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from telemetry.private_files import private_file


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


WRITE = "branchline_write"


def for_writing(engine: Engine) -> Engine:
    """The same engine, marked: on SQLite its transactions BEGIN IMMEDIATE."""
    return engine.execution_options(**{WRITE: True})


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite defers BEGIN on its own; we emit it. A write transaction takes the write lock at
    # its first statement (IMMEDIATE), so writers queue up instead of failing at commit with
    # "database is locked"; a read stays DEFERRED, and in WAL mode readers never wait for
    # anyone. Taking the write lock for reads too made every request queue behind every other.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    assert isinstance(dbapi_connection, sqlite3.Connection)
    dbapi_connection.isolation_level = None  # let the "begin" listener above issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
