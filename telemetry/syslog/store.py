"""CPE logs in an embedded SQLite table, searchable, with retention by age and by count.

`ts_ms` is the message's own time (the device's, or the receive time), used by searches;
`received_ms` orders retention, so a device with a wrong clock cannot keep its logs forever
or have them expire at once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from telemetry.private_files import private_file
from telemetry.samples import from_ms, to_ms
from telemetry.syslog.model import LogFormat, LogRecord, LogSeverity, SyslogError

SCHEMA = """
CREATE TABLE IF NOT EXISTS device_log (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    site TEXT,
    source TEXT NOT NULL,
    hostname TEXT,
    app_name TEXT,
    procid TEXT,
    msgid TEXT,
    facility INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    format TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS device_log_site_ts ON device_log (site, ts_ms);
CREATE INDEX IF NOT EXISTS device_log_ts ON device_log (ts_ms);
CREATE INDEX IF NOT EXISTS device_log_received ON device_log (received_ms);
"""
COLUMNS = (
    "ts_ms, received_ms, site, source, hostname, app_name, procid, msgid, facility, severity, "
    "format, message"
)


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Filters of a search; every given one must match. `severity` keeps that level and worse;
    `text` is a case-insensitive substring of the message; `[start, end)` the message time."""

    site: str | None = None
    severity: LogSeverity | None = None
    text: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 500


class LogStore:
    """Thread-safe; the receiver writes from its event loop, the API searches from others."""

    def __init__(
        self,
        path: str | Path,
        max_age: timedelta = timedelta(days=30),
        max_rows: int = 1_000_000,
    ) -> None:
        self.max_age = max_age
        self.max_rows = max_rows
        self._lock = threading.Lock()
        try:
            private_file(Path(path))
            self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # logs are not worth an fsync each
            self._conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise SyslogError(f"device log database {path}: {exc}") from exc

    def add(self, records: Iterable[LogRecord], now: datetime | None = None) -> int:
        """Store records, then apply retention as of `now` (default: the last receive time)."""
        batch = list(records)
        if not batch:
            return 0
        rows = [_row(r) for r in batch]
        until = to_ms(now) if now else max(to_ms(r.received_at) for r in batch)
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                f"INSERT INTO device_log ({COLUMNS}) VALUES ({', '.join('?' * 12)})", rows
            )
            self._prune(until)
            self._conn.execute("COMMIT")
        return len(rows)

    def prune(self, now: datetime) -> int:
        """Apply retention now; returns how many rows were deleted."""
        with self._lock:
            return self._prune(to_ms(now))

    def _prune(self, now_ms: int) -> int:
        cutoff = now_ms - int(self.max_age.total_seconds() * 1000)
        gone = self._conn.execute("DELETE FROM device_log WHERE received_ms < ?", (cutoff,))
        # Ids grow with arrival: everything below the max_rows-th newest id goes.
        over = self._conn.execute(
            "DELETE FROM device_log WHERE id <= "
            "(SELECT id FROM device_log ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (self.max_rows,),
        )
        return gone.rowcount + over.rowcount

    def search(self, query: LogQuery) -> list[LogRecord]:
        """Matching records, newest first."""
        where: list[str] = []
        args: list[str | int] = []
        if query.site is not None:
            where.append("site = ?")
            args.append(query.site)
        if query.severity is not None:
            where.append("severity <= ?")
            args.append(int(query.severity))
        if query.text:
            escaped = query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("message LIKE ? ESCAPE '\\'")
            args.append(f"%{escaped}%")
        if query.start is not None:
            where.append("ts_ms >= ?")
            args.append(to_ms(query.start))
        if query.end is not None:
            where.append("ts_ms < ?")
            args.append(to_ms(query.end))
        sql = f"SELECT {COLUMNS} FROM device_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts_ms DESC, id DESC LIMIT ?"
        with self._lock:
            rows = self._conn.execute(sql, (*args, query.limit)).fetchall()
        return [_record(row) for row in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM device_log").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _row(r: LogRecord) -> tuple[object, ...]:
    return (
        to_ms(r.timestamp),
        to_ms(r.received_at),
        r.site,
        r.source,
        r.hostname,
        r.app_name,
        r.procid,
        r.msgid,
        r.facility,
        int(r.severity),
        str(r.format),
        r.message,
    )


def _record(row: tuple[object, ...]) -> LogRecord:
    ts, received, site, source, host, app, procid, msgid, facility, severity, fmt, msg = row
    return LogRecord(
        timestamp=from_ms(int(str(ts))),
        received_at=from_ms(int(str(received))),
        source=str(source),
        facility=int(str(facility)),
        severity=LogSeverity(int(str(severity))),
        hostname=None if host is None else str(host),
        app_name=None if app is None else str(app),
        procid=None if procid is None else str(procid),
        msgid=None if msgid is None else str(msgid),
        message=str(msg),
        format=LogFormat(str(fmt)),
        site=None if site is None else str(site),
    )
