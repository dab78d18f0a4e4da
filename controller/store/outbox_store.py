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

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import AlarmDeliveryRow, AlarmNotifiedRow, AlarmRaiseRow
from controller.store.alarm_store import NO_LINK
from telemetry.alarms import Alarm, AlarmKey, AlarmKind, EventType, Severity
from telemetry.alarms.notify import Delivery, DeliveryState, Notification

KEEP_SENT = timedelta(days=30)
"""How long a sent delivery is kept, for who-was-told-what questions."""


class DatabaseOutboxStore:
    """`OutboxStore` on the controller's engine (SQLite or PostgreSQL). Each call is one
    transaction; `enqueue` in particular marks and queues together, so a crash never leaves a
    notification marked as notified with nothing queued to send it."""

    def __init__(self, engine: Engine, keep_sent: timedelta = KEEP_SENT) -> None:
        self._engine = engine
        self._writer = for_writing(engine)
        self.keep_sent = keep_sent

    def notified(self, alarm_id: int, event: EventType) -> bool:
        with Session(self._engine) as session:
            return session.get(AlarmNotifiedRow, (alarm_id, event.value)) is not None

    def last_raise(self, key: AlarmKey) -> datetime | None:
        with Session(self._engine) as session:
            row = session.get(AlarmRaiseRow, (key.kind.value, key.site, key.link or NO_LINK))
            return None if row is None else row.at

    def enqueue(
        self,
        notification: Notification,
        notifiers: Sequence[str],
        at: datetime,
        *,
        last: bool = False,
    ) -> bool:
        alarm, event = notification.alarm, notification.event
        try:
            with Session(self._writer) as session, session.begin():
                if last:
                    marks = session.scalars(
                        select(AlarmNotifiedRow).where(AlarmNotifiedRow.alarm_id == alarm.id)
                    ).all()
                    if not marks:
                        return False
                    for mark in marks:
                        session.delete(mark)
                else:
                    if session.get(AlarmNotifiedRow, (alarm.id, event.value)) is not None:
                        return False
                    session.add(AlarmNotifiedRow(alarm_id=alarm.id, event=event.value, at=at))
                if event is EventType.RAISED:
                    key = alarm.key
                    session.merge(AlarmRaiseRow(kind=key.kind.value, site=key.site,
                                                link=key.link or NO_LINK, at=at))  # fmt: skip
                doc = alarm_document(alarm)  # one snapshot, as at the event, for every channel
                session.add_all(_queued(alarm.id, event, name, doc, at) for name in notifiers)
        except IntegrityError:  # another writer marked it first: it is queued, once
            return False
        return True

    def forget(self, alarm_id: int) -> None:
        query = select(AlarmNotifiedRow.alarm_id).where(AlarmNotifiedRow.alarm_id == alarm_id)
        if self._any(query):
            with self._writer.begin() as conn:
                conn.execute(delete(AlarmNotifiedRow).where(AlarmNotifiedRow.alarm_id == alarm_id))

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


def _queued(
    alarm_id: int, event: EventType, notifier: str, doc: dict[str, Any], at: datetime
) -> AlarmDeliveryRow:
    """A new pending delivery, due at once."""
    return AlarmDeliveryRow(
        alarm_id=alarm_id,
        event=event.value,
        notifier=notifier,
        alarm=doc,
        state=DeliveryState.PENDING.value,
        due=at,
        attempts=0,
        errors=[],
        finished_at=None,
    )


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
