"""The audit log: every write, recorded in the transaction that makes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from controller.db.tables import AuditRow

BESIDE_THE_NETWORK = ("users/", "tokens/", "ztp/", "devices/")
"""Resources whose writes leave the network (inventory, catalogue, policies) as it was: who may
log in, sites' openings, enrolled devices."""


def record(
    session: Session, actor: str, action: str, resource: str, *, before: Any, after: Any
) -> AuditRow:
    """Add an audit entry to the caller's transaction: it commits or rolls back with the write.
    Its id (after a flush) is the generation the write makes, if it writes the network."""
    row = AuditRow(
        at=datetime.now(UTC),
        actor=actor,
        action=action,
        resource=resource,
        before=before,
        after=after,
    )
    session.add(row)
    return row


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    resource: str
    before: Any
    after: Any


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def network_generation(self) -> int:
        """The id of the newest entry that wrote the network (0 when none): it grows with
        every write of the inventory, its catalogue or the policies, and with no other
        (`BESIDE_THE_NETWORK`). Found by reading back from the newest entry: a few rows."""
        beside = [~AuditRow.resource.startswith(prefix) for prefix in BESIDE_THE_NETWORK]
        query = select(AuditRow.id).where(*beside).order_by(AuditRow.id.desc()).limit(1)
        # A connection, not an ORM session: every answer that reads the network asks this.
        with self._engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def list(
        self, actor: str | None, resource: str | None, limit: int, offset: int
    ) -> tuple[int, list[AuditEntry]]:
        """Newest first. `resource` matches a prefix, e.g. 'sites/' or 'sites/br-x-001'."""
        query = select(AuditRow)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if resource is not None:
            query = query.where(AuditRow.resource.startswith(resource, autoescape=True))
        with Session(self._engine) as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(query.order_by(AuditRow.id.desc()).limit(limit).offset(offset))
            return int(total), [
                AuditEntry(r.id, r.at, r.actor, r.action, r.resource, r.before, r.after)
                for r in rows
            ]
