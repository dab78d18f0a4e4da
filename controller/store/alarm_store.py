"""The controller's `AlarmStore`: alarms in its database, so that a restart keeps every alarm,
its acknowledgement and its history, and an alarm still active is not raised (nor mailed) again.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import AlarmRow
from telemetry.alarms import (
    Alarm,
    AlarmKey,
    AlarmKind,
    AlarmNotFoundError,
    DuplicateActiveAlarmError,
    Severity,
)

NO_LINK = ""
"""`AlarmRow.link` of a key without a link (see `AlarmRow`)."""


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
        query = select(AlarmRow)
        if active is not None:
            cleared = AlarmRow.cleared_at
            query = query.where(cleared.is_(None) if active else cleared.is_not(None))
        if site is not None:
            query = query.where(AlarmRow.site == site)
        if kind is not None:
            query = query.where(AlarmRow.kind == kind.value)
        query = query.order_by(AlarmRow.raised_at.desc(), AlarmRow.id.desc()).limit(limit)
        with Session(self._engine) as session:
            return [_alarm(row) for row in session.scalars(query)]


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


def _alarm(row: AlarmRow) -> Alarm:
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
