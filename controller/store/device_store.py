"""Enrolled devices: where the controller reaches each CPE's management plane (by serial), and
the SSH host key pinned for it. A CPE of the inventory is managed (configurations are pushed to
it) once enrolled here: by an operator, from a lab's listing, or (later) by ZTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import DeviceEndpointRow
from controller.errors import ConflictError, NotFoundError
from controller.store.audit import record


@dataclass(frozen=True, slots=True)
class DeviceEndpoint:
    serial: str
    host: str
    port: int
    host_key: str | None
    """The SSH host key pinned for the device; None until first contact."""
    credentials_ref: str | None
    """Its own login, instead of its inventory CPE's `credentials_ref` (None: that one)."""
    key_pinned_at: datetime | None
    enrolled_at: datetime
    enrolled_by: str


class Devices:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)

    def enroll(
        self,
        serial: str,
        host: str,
        port: int,
        host_key: str | None,
        actor: str,
        *,
        credentials_ref: str | None = None,
    ) -> DeviceEndpoint:
        """Enrol (or move) a device. A host key or a login given replaces the one it had (for a
        key: the operator's word that the device was replaced); none given keeps it."""
        now = datetime.now(UTC)
        with Session(self._writer) as session, session.begin():
            row = session.get(DeviceEndpointRow, serial)
            before = None if row is None else _doc(row)
            if row is None:
                row = DeviceEndpointRow(serial=serial, enrolled_at=now, enrolled_by=actor)
                session.add(row)
            row.host, row.port = host, port
            if credentials_ref is not None:
                row.credentials_ref = credentials_ref
            if host_key is not None:
                row.host_key, row.key_pinned_at = host_key, now
            record(session, actor, "update" if before else "create", f"devices/{serial}",
                   before=before, after=_doc(row))  # fmt: skip
            return _info(row)

    def pin(self, serial: str, host_key: str) -> None:
        """Pin the key a device showed at first contact; a device with a pinned key keeps it
        (a different key is refused by the drivers, never learned)."""
        with Session(self._writer) as session, session.begin():
            row = session.get(DeviceEndpointRow, serial)
            if row is None:
                raise NotFoundError(f"no enrolled device {serial!r}")
            if row.host_key is None:
                row.host_key, row.key_pinned_at = host_key, datetime.now(UTC)
            elif row.host_key != host_key:
                raise ConflictError(f"device {serial!r} has another host key pinned", "host_key")

    def remove(self, serial: str, actor: str) -> None:
        with Session(self._writer) as session, session.begin():
            row = session.get(DeviceEndpointRow, serial)
            if row is None:
                raise NotFoundError(f"no enrolled device {serial!r}")
            record(session, actor, "delete", f"devices/{serial}", before=_doc(row), after=None)
            session.delete(row)

    def get(self, serial: str) -> DeviceEndpoint | None:
        with Session(self._engine) as session:
            row = session.get(DeviceEndpointRow, serial)
            return None if row is None else _info(row)

    def all(self) -> dict[str, DeviceEndpoint]:
        with Session(self._engine) as session:
            rows = session.scalars(select(DeviceEndpointRow).order_by(DeviceEndpointRow.serial))
            return {row.serial: _info(row) for row in rows}


def _doc(row: DeviceEndpointRow) -> dict[str, object]:
    return {"host": row.host, "port": row.port, "host_key": row.host_key,
            "credentials_ref": row.credentials_ref}  # fmt: skip


def _info(row: DeviceEndpointRow) -> DeviceEndpoint:
    return DeviceEndpoint(row.serial, row.host, row.port, row.host_key, row.credentials_ref,
                          row.key_pinned_at, row.enrolled_at, row.enrolled_by)  # fmt: skip
