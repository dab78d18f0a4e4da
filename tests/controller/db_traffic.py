"""Counting what a piece of code asks of the database: transactions begun, statements sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event


@dataclass
class Traffic:
    transactions: int = 0
    statements: int = 0


@contextmanager
def traffic(engine: Engine) -> Iterator[Traffic]:
    """Counts the transactions begun and the statements sent on `engine` (an executemany or
    a page of a multi-row INSERT is one statement)."""
    seen = Traffic()

    def begin(_conn: Connection) -> None:
        seen.transactions += 1

    def statement(*_args: Any) -> None:
        seen.statements += 1

    event.listen(engine, "begin", begin)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", begin)
        event.remove(engine, "before_cursor_execute", statement)
