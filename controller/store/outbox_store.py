"""The controller's `OutboxStore`: alarm notifications in its database, so that a restart loses
no pending or failed delivery (an alarm mail queued while the SMTP server is down is sent once
it is back, after the restart too) and still notifies the clear of an alarm whose raise was
notified before it.

A delivery keeps the alarm as it was at the event, as a document, not just its id: a raise mail
sent late, after the alarm was acknowledged or cleared, must still describe the raise. Sent
deliveries are kept for `keep_sent` (30 days) and then deleted; pending and failed ones stay
until sent. Marks and raise times go when the outbox forgets them (`OutboxStore`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, distinct, func, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import AlarmDeliveryRow, AlarmNotifiedRow, AlarmRaiseRow
from controller.store.alarm_store import ID_CHUNK, NO_LINK
from telemetry.alarms import Alarm, AlarmKey, AlarmKind, EventType, Severity
from telemetry.alarms.notify import Delivery, DeliveryState, Notification
from telemetry.alarms.notify.store import OutboxChanges, OutboxView

_T = TypeVar("_T")

KEEP_SENT = timedelta(days=30)
"""How long a sent delivery is kept, for who-was-told-what questions."""

DELIVERIES = AlarmDeliveryRow.metadata.tables[AlarmDeliveryRow.__tablename__]
MARKS = AlarmNotifiedRow.metadata.tables[AlarmNotifiedRow.__tablename__]
RAISES = AlarmRaiseRow.metadata.tables[AlarmRaiseRow.__tablename__]


class DatabaseOutboxStore:
    """`OutboxStore` on the controller's engine (SQLite or PostgreSQL). Each call is one
    transaction; `apply` in particular marks and queues together, so a crash never leaves a
    notification marked as notified with nothing queued to send it. `view` and `apply` are bulk
    Core statements (`IN` lists of up to 1,000 ids or keys, executemany INSERTs, an upsert of
    the raise times), whatever the number of events, not a transaction per notification."""

    def __init__(self, engine: Engine, keep_sent: timedelta = KEEP_SENT) -> None:
        self._engine = engine
        self._writer = for_writing(engine)
        self.keep_sent = keep_sent
        upsert = (pg_insert if engine.dialect.name == "postgresql" else sqlite_insert)(RAISES)
        self._upsert_raises = upsert.on_conflict_do_update(
            index_elements=[RAISES.c.kind, RAISES.c.site, RAISES.c.link],
            set_={"at": upsert.excluded.at},
        )

    def view(self, alarm_ids: Collection[int], keys: Collection[AlarmKey]) -> OutboxView:
        marks: dict[int, set[EventType]] = {}
        raises: dict[AlarmKey, datetime] = {}
        with self._engine.connect() as conn:
            for ids in _chunks(sorted(alarm_ids)):
                query = select(MARKS.c.alarm_id, MARKS.c.event).where(MARKS.c.alarm_id.in_(ids))
                for alarm_id, event in conn.execute(query):
                    marks.setdefault(alarm_id, set()).add(EventType(event))
            wanted = {_key_columns(k): k for k in keys}
            columns = (RAISES.c.kind, RAISES.c.site, RAISES.c.link)
            for chunk in _chunks(sorted(wanted)):
                query = select(*columns, RAISES.c.at).where(tuple_(*columns).in_(chunk))
                for row in conn.execute(query):
                    raises[wanted[row.kind, row.site, row.link]] = row.at
        return OutboxView({i: frozenset(m) for i, m in marks.items()}, raises)

    def marked(self) -> list[int]:
        with self._engine.connect() as conn:
            query = select(MARKS.c.alarm_id).distinct().order_by(MARKS.c.alarm_id)
            return [int(alarm_id) for alarm_id in conn.scalars(query)]

    def apply(self, changes: OutboxChanges) -> bool:
        if not changes:
            return True
        forget = sorted(changes.forget)
        try:
            with self._writer.begin() as conn:
                for chunk in _chunks(forget):
                    held = select(func.count(distinct(MARKS.c.alarm_id)))
                    if conn.scalar(held.where(MARKS.c.alarm_id.in_(chunk))) != len(chunk):
                        raise _RefusedError  # an alarm to forget has no mark left: rolls back
                    conn.execute(delete(MARKS).where(MARKS.c.alarm_id.in_(chunk)))
                if changes.marks:
                    conn.execute(insert(MARKS), [
                        {"alarm_id": alarm_id, "event": event.value, "at": at}
                        for (alarm_id, event), at in changes.marks.items()
                    ])  # fmt: skip
                if changes.raises:
                    conn.execute(self._upsert_raises, [
                        dict(zip(("kind", "site", "link"), _key_columns(key), strict=True), at=at)
                        for key, at in changes.raises.items()
                    ])  # fmt: skip
                if changes.deliveries:  # an executemany: ids ascend in the order given
                    conn.execute(insert(DELIVERIES), [_queued(d) for d in changes.deliveries])
        except (_RefusedError, IntegrityError):  # another writer came first (a mark exists)
            return False
        return True

    def forget_raises(self, before: datetime) -> None:
        if self._any(select(AlarmRaiseRow.at).where(AlarmRaiseRow.at < before)):
            with self._writer.begin() as conn:
                conn.execute(delete(AlarmRaiseRow).where(AlarmRaiseRow.at < before))

    def due(self, now: datetime) -> list[Delivery]:
        query = (
            select(AlarmDeliveryRow)
            .where(
                AlarmDeliveryRow.state == DeliveryState.PENDING.value,
                AlarmDeliveryRow.due <= now,
            )
            .order_by(AlarmDeliveryRow.id)
        )
        with Session(self._engine) as session:
            return [_delivery(row) for row in session.scalars(query)]

    def save(self, delivery: Delivery) -> None:
        with Session(self._writer) as session, session.begin():
            row = session.get_one(AlarmDeliveryRow, delivery.id)
            row.state, row.due = delivery.state.value, delivery.due
            row.attempts, row.errors = delivery.attempts, list(delivery.errors)
            row.finished_at = delivery.finished_at

    def deliveries(self, state: DeliveryState, limit: int = 1000) -> list[Delivery]:
        query = (
            select(AlarmDeliveryRow)
            .where(AlarmDeliveryRow.state == state.value)
            .order_by(AlarmDeliveryRow.id.desc())
            .limit(limit)
        )
        with Session(self._engine) as session:
            return [_delivery(row) for row in reversed(session.scalars(query).all())]

    def retry_failed(self, now: datetime) -> int:
        with Session(self._writer) as session, session.begin():
            failed = session.scalars(
                select(AlarmDeliveryRow).where(AlarmDeliveryRow.state == DeliveryState.FAILED.value)
            ).all()
            for row in failed:
                row.state, row.attempts = DeliveryState.PENDING.value, 0
                row.due, row.finished_at = now, None
            return len(failed)

    def prune(self, now: datetime) -> None:
        """Delete the sent deliveries finished more than `keep_sent` before `now`."""
        old = (
            AlarmDeliveryRow.state == DeliveryState.SENT.value,
            AlarmDeliveryRow.finished_at < now - self.keep_sent,
        )
        if self._any(select(AlarmDeliveryRow.id).where(*old)):
            with self._writer.begin() as conn:
                conn.execute(delete(AlarmDeliveryRow).where(*old))

    def _any(self, query: Any) -> bool:
        """Whether `query` finds a row: read first, so that a tick with nothing to delete takes
        no write lock (SQLite has one writer at a time)."""
        with self._engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None


def alarm_document(alarm: Alarm) -> dict[str, Any]:
    """Every field of `alarm`, as JSON: what a delivery needs to rebuild its message."""
    return {
        "id": alarm.id,
        "kind": alarm.key.kind.value,
        "site": alarm.key.site,
        "link": alarm.key.link,
        "severity": alarm.severity.value,
        "message": alarm.message,
        "raised_at": alarm.raised_at.isoformat(),
        "cleared_at": _time(alarm.cleared_at),
        "acknowledged_at": _time(alarm.acknowledged_at),
        "acknowledged_by": alarm.acknowledged_by,
        "suppressed_by": alarm.suppressed_by,
        "clear_reason": alarm.clear_reason,
        "notes": list(alarm.notes),
    }


def alarm_from_document(doc: dict[str, Any]) -> Alarm:
    """The alarm `alarm_document` wrote."""
    return Alarm(
        id=doc["id"],
        key=AlarmKey(AlarmKind(doc["kind"]), doc["site"], doc["link"]),
        severity=Severity(doc["severity"]),
        message=doc["message"],
        raised_at=datetime.fromisoformat(doc["raised_at"]),
        cleared_at=_parse(doc["cleared_at"]),
        acknowledged_at=_parse(doc["acknowledged_at"]),
        acknowledged_by=doc["acknowledged_by"],
        suppressed_by=doc["suppressed_by"],
        clear_reason=doc["clear_reason"],
        notes=tuple(doc["notes"]),
    )


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class _RefusedError(Exception):
    """The store no longer matches what the changes were decided on."""


def _chunks(values: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """`values` in pieces of `ID_CHUNK`, for `IN (...)` lists."""
    for start in range(0, len(values), ID_CHUNK):
        yield values[start : start + ID_CHUNK]


def _key_columns(key: AlarmKey) -> tuple[str, str, str]:
    return key.kind.value, key.site, key.link or NO_LINK


def _queued(delivery: Delivery) -> dict[str, Any]:
    """The row of a new delivery."""
    return {
        "alarm_id": delivery.notification.alarm.id,
        "event": delivery.notification.event.value,
        "notifier": delivery.notifier,
        "alarm": alarm_document(delivery.notification.alarm),
        "state": delivery.state.value,
        "due": delivery.due,
        "attempts": delivery.attempts,
        "errors": list(delivery.errors),
        "finished_at": delivery.finished_at,
    }


def _delivery(row: AlarmDeliveryRow) -> Delivery:
    return Delivery(
        notification=Notification(EventType(row.event), alarm_from_document(row.alarm)),
        notifier=row.notifier,
        due=row.due,
        attempts=row.attempts,
        errors=list(row.errors),
        state=DeliveryState(row.state),
        finished_at=row.finished_at,
        id=row.id,
    )
