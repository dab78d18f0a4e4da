"""The controller's `AlarmStore`: alarms in its database, so that a restart keeps every alarm,
its acknowledgement and its history, and an alarm still active is not raised (nor mailed) again.

The batch forms write an alarm storm in one transaction with bulk Core statements: a multi-row
INSERT ... RETURNING (SQLAlchemy's "insertmanyvalues", in pages of 1,000 rows) or an existence
check and one executemany UPDATE by primary key, instead of a transaction per alarm. They and
`search` skip the ORM's unit of work and identity map, which cost more than the database for
thousands of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import AlarmRow
from telemetry.alarms import (
    Alarm,
    AlarmError,
    AlarmKey,
    AlarmKind,
    AlarmNotFoundError,
    DuplicateActiveAlarmError,
    Severity,
)

NO_LINK = ""
"""`AlarmRow.link` of a key without a link (see `AlarmRow`)."""

ALARMS = AlarmRow.metadata.tables[AlarmRow.__tablename__]

ACTIVE_MAX = 1_000_000
"""More than the active alarms of any network (one per key)."""

ID_CHUNK = 1000
"""Ids per `IN (...)` when checking that a batch's alarms exist (well below the bound-parameter
limits of SQLite and PostgreSQL)."""


class DatabaseAlarmStore:
    """`AlarmStore` on the controller's engine. The database assigns the ids and refuses a
    second active alarm per key (its partial unique index), so two writers cannot both raise."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)

    def insert(self, alarm: Alarm) -> Alarm:
        with Session(self._writer) as session, session.begin():
            row = AlarmRow()
            _fill(row, alarm)
            session.add(row)
            _flush(session, alarm.key)
            session.refresh(row)  # hand back what is stored: times read back in UTC
            return _alarm(row)

    def update(self, alarm: Alarm) -> None:
        with Session(self._writer) as session, session.begin():
            row = session.get(AlarmRow, alarm.id)
            if row is None:
                raise AlarmNotFoundError(alarm.id)
            _fill(row, alarm)
            _flush(session, alarm.key)

    def insert_many(self, alarms: Sequence[Alarm]) -> list[Alarm]:
        if not alarms:
            return []
        # RETURNING hands back what is stored (times read back in UTC) with each row's id. The
        # ids ascend in the order given: PostgreSQL draws them from the sequence in that order
        # (SQLAlchemy's INSERT ... SELECT ... ORDER BY when the parameter order is asked for),
        # SQLite gives each row one more than the largest rowid as it inserts the VALUES in
        # order. SQLite returns the rows in no promised order, and SQLAlchemy would keep the
        # parameter order there by sending one INSERT per row: rather sort by id.
        ordered = self._engine.dialect.name != "sqlite"
        statement = insert(ALARMS).returning(*ALARMS.c, sort_by_parameter_order=ordered)
        try:
            with self._writer.begin() as conn:
                rows = conn.execute(statement, [_values(a) for a in alarms]).all()
                stored = sorted((_alarm(row) for row in rows), key=lambda a: a.id)
                if [a.key for a in stored] != [a.key for a in alarms]:  # rolls back
                    raise AlarmError("the database assigned ids out of the order given")
        except IntegrityError as exc:  # rolled back: nothing of the batch is stored
            raise self._duplicate(alarms, [-1 - i for i in range(len(alarms))]) from exc
        return stored

    def update_many(self, alarms: Sequence[Alarm]) -> None:
        if not alarms:
            return
        ids = sorted({a.id for a in alarms})
        # One executemany; the SET clause is every column the parameters name.
        statement = update(ALARMS).where(ALARMS.c.id == bindparam("alarm_id"))
        try:
            with self._writer.begin() as conn:
                for start in range(0, len(ids), ID_CHUNK):
                    chunk = ids[start : start + ID_CHUNK]
                    query = select(ALARMS.c.id).where(ALARMS.c.id.in_(chunk))
                    missing = sorted(set(chunk) - set(conn.scalars(query)))
                    if missing:  # before any write: nothing is changed
                        raise AlarmNotFoundError(missing[0])
                conn.execute(statement, [{"alarm_id": a.id, **_values(a)} for a in alarms])
        except IntegrityError as exc:  # an alarm made active again on a key already active
            raise self._duplicate(alarms, [a.id for a in alarms]) from exc

    def get(self, alarm_id: int) -> Alarm:
        with Session(self._engine) as session:
            row = session.get(AlarmRow, alarm_id)
            if row is None:
                raise AlarmNotFoundError(alarm_id)
            return _alarm(row)

    def find_active(self, key: AlarmKey) -> Alarm | None:
        query = select(AlarmRow).where(
            AlarmRow.kind == key.kind.value,
            AlarmRow.site == key.site,
            AlarmRow.link == (key.link or NO_LINK),
            AlarmRow.cleared_at.is_(None),
        )
        with Session(self._engine) as session:
            row = session.scalars(query).one_or_none()
            return None if row is None else _alarm(row)

    def search(
        self,
        *,
        active: bool | None = None,
        site: str | None = None,
        kind: AlarmKind | None = None,
        limit: int = 1000,
    ) -> list[Alarm]:
        query = select(ALARMS)
        if active is not None:
            cleared = ALARMS.c.cleared_at
            query = query.where(cleared.is_(None) if active else cleared.is_not(None))
        if site is not None:
            query = query.where(ALARMS.c.site == site)
        if kind is not None:
            query = query.where(ALARMS.c.kind == kind.value)
        query = query.order_by(ALARMS.c.raised_at.desc(), ALARMS.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [_alarm(row) for row in conn.execute(query)]

    def _duplicate(self, alarms: Sequence[Alarm], ids: Sequence[int]) -> DuplicateActiveAlarmError:
        """The error of a batch the active-key index refused (and that was rolled back), naming
        the first alarm to blame: the batch is replayed over the keys active now. `ids` are the
        alarms' ids, or distinct negative ones for new alarms."""
        active = {a.key: a.id for a in self.search(active=True, limit=ACTIVE_MAX)}
        for alarm, ident in zip(alarms, ids, strict=True):
            holder = active.get(alarm.key)
            if alarm.active:
                if holder is not None and holder != ident:
                    return DuplicateActiveAlarmError(f"{alarm.key} is already active")
                active[alarm.key] = ident
            elif holder == ident:
                del active[alarm.key]
        return DuplicateActiveAlarmError("a key of the batch is already active")  # a racing writer


def _flush(session: Session, key: AlarmKey) -> None:
    # The active-key index is the only constraint an `Alarm` can break: the id is the
    # database's and every other column is a typed, non-null field.
    try:
        session.flush()
    except IntegrityError as exc:
        raise DuplicateActiveAlarmError(f"{key} is already active") from exc


def _fill(row: AlarmRow, alarm: Alarm) -> None:
    """Copy every field of `alarm` but its id onto `row`."""
    row.kind, row.site, row.link = alarm.key.kind.value, alarm.key.site, alarm.key.link or NO_LINK
    row.severity, row.message, row.raised_at = alarm.severity.value, alarm.message, alarm.raised_at
    row.cleared_at, row.clear_reason = alarm.cleared_at, alarm.clear_reason
    row.acknowledged_at, row.acknowledged_by = alarm.acknowledged_at, alarm.acknowledged_by
    row.suppressed_by, row.notes = alarm.suppressed_by, list(alarm.notes)


def _values(alarm: Alarm) -> dict[str, Any]:
    """The columns of `alarm` but its id, for the bulk statements (as `_fill` sets them)."""
    return {
        "kind": alarm.key.kind.value,
        "site": alarm.key.site,
        "link": alarm.key.link or NO_LINK,
        "severity": alarm.severity.value,
        "message": alarm.message,
        "raised_at": alarm.raised_at,
        "cleared_at": alarm.cleared_at,
        "clear_reason": alarm.clear_reason,
        "acknowledged_at": alarm.acknowledged_at,
        "acknowledged_by": alarm.acknowledged_by,
        "suppressed_by": alarm.suppressed_by,
        "notes": list(alarm.notes),
    }


def _alarm(row: AlarmRow | Row[Any]) -> Alarm:
    """The alarm of an ORM row or a Core row of the alarms table."""
    return Alarm(
        id=row.id,
        key=AlarmKey(AlarmKind(row.kind), row.site, row.link or None),
        severity=Severity(row.severity),
        message=row.message,
        raised_at=row.raised_at,
        cleared_at=row.cleared_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        suppressed_by=row.suppressed_by,
        clear_reason=row.clear_reason,
        notes=tuple(row.notes),
    )
