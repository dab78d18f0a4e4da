"""Relational schema. Each resource is stored as its validated document plus the columns that
queries filter on and the constraints that keep the network consistent under concurrent writes
(unique CPE serials and management addresses, no spoke attached to a missing hub, one active
alarm per key)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

Document = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database: SQLite keeps no time zone and would hand back
    naive values, which the API would then publish without an offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("store aware datetimes only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NamedDocumentRow(Base):
    """A document identified by its name, with the revision that If-Match compares."""

    __abstract__ = True

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # inventory order, kept on export
    revision: Mapped[int] = mapped_column(Integer, default=1)
    doc: Mapped[dict[str, Any]] = mapped_column(Document)


class SlaClassRow(NamedDocumentRow):
    __tablename__ = "sla_classes"


class ApplicationRow(NamedDocumentRow):
    __tablename__ = "applications"

    sla_class: Mapped[str] = mapped_column(
        ForeignKey("sla_classes.name", ondelete="RESTRICT"), index=True
    )


class SiteRow(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, index=True)  # inventory order, for listing
    role: Mapped[str] = mapped_column(String(8), index=True)
    branch_class: Mapped[str | None] = mapped_column(String(1), index=True)
    city: Mapped[str] = mapped_column(String(200), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    doc: Mapped[dict[str, Any]] = mapped_column(Document)


class CpeRow(Base):
    __tablename__ = "cpes"

    serial: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    management_address: Mapped[str] = mapped_column(String(45), unique=True)


class LinkRow(Base):
    __tablename__ = "links"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    link_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    transport: Mapped[str] = mapped_column(String(16), index=True)
    role: Mapped[str] = mapped_column(String(16))


class HubAttachmentRow(Base):
    __tablename__ = "hub_attachments"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    hub_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class MetaRow(Base):
    """Inventory-wide settings: organisation name and overlay policy."""

    __tablename__ = "inventory_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc: Mapped[dict[str, Any]] = mapped_column(Document)


class UserRow(Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    sites: Mapped[list[str] | None] = mapped_column(Document, nullable=True)  # None: every site
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TokenRow(Base):
    """An API token. Only a hash of its secret is stored; the secret is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AuditRow(Base):
    """One write: who, when, what, and the resource before and after. Written in the same
    transaction as the change it records, so no change goes unrecorded."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))
    resource: Mapped[str] = mapped_column(String(200), index=True)
    before: Mapped[Any | None] = mapped_column(Document, nullable=True)
    after: Mapped[Any | None] = mapped_column(Document, nullable=True)


class PolicyVersionRow(Base):
    """One immutable version of the policy of a scope ('default', 'class:B', 'site:<id>')."""

    __tablename__ = "policy_versions"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc: Mapped[dict[str, Any] | None] = mapped_column(Document, nullable=True)  # None: removed
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    comment: Mapped[str] = mapped_column(String(500), default="")
    diff: Mapped[list[dict[str, Any]]] = mapped_column(Document)


class PolicyHeadRow(Base):
    """The current version of each scope. Moving it is the compare-and-set that makes a policy
    change atomic and refuses a stale one (If-Match)."""

    __tablename__ = "policy_heads"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class SitePathRow(Base):
    """Where each application of each site goes now, and the engine's reason."""

    __tablename__ = "site_paths"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    app: Mapped[str] = mapped_column(String(64), primary_key=True)
    link: Mapped[str | None] = mapped_column(String(64), nullable=True)
    since: Mapped[datetime] = mapped_column(UtcDateTime)
    rule: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    policy_scope: Mapped[str] = mapped_column(String(80))
    policy_version: Mapped[int] = mapped_column(Integer)


class PathChangeRow(Base):
    """The journal: one row per move of an application from one link to another."""

    __tablename__ = "path_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    app: Mapped[str] = mapped_column(String(64), index=True)
    from_link: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_link: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    policy_scope: Mapped[str] = mapped_column(String(80))
    policy_version: Mapped[int] = mapped_column(Integer)


_ACTIVE = text("cleared_at IS NULL")


class AlarmRow(Base):
    """One alarm, active or history (`telemetry.alarms.Alarm`). The partial unique index is the
    database's own guarantee of one active alarm per key, whoever writes. `link` is '' for an
    alarm about a whole site, not NULL: a unique index lets NULLs repeat."""

    __tablename__ = "alarms"
    __table_args__ = (
        Index(
            "uq_alarms_active_key",
            "kind",
            "site",
            "link",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    site: Mapped[str] = mapped_column(String(64), index=True)
    link: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    suppressed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clear_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    notes: Mapped[list[str]] = mapped_column(Document)


class AlarmDeliveryRow(Base):
    """One alarm notification to one channel (`telemetry.alarms.notify.Delivery`): pending,
    sent or failed, with its attempts, due time and errors. `alarm` is the alarm as it was at
    the event (`controller.store.outbox_store`), so a message sent after a restart says what it
    would have said then, whatever happened to the alarm since. Sent ones are pruned after a
    retention; pending and failed ones stay until sent."""

    __tablename__ = "alarm_deliveries"
    __table_args__ = (
        Index("ix_alarm_deliveries_state_due", "state", "due"),
        Index("ix_alarm_deliveries_state_finished_at", "state", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alarm_id: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(16))
    notifier: Mapped[str] = mapped_column(String(32))
    alarm: Mapped[dict[str, Any]] = mapped_column(Document)
    state: Mapped[str] = mapped_column(String(8))
    due: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[str]] = mapped_column(Document)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AlarmNotifiedRow(Base):
    """An (alarm id, event) the outbox queued: its de-duplication, and what tells the clear of
    an alarm raised before a restart that the raise was notified. Deleted when the alarm's clear
    is handled. No foreign key: the outbox does not depend on where alarms are kept."""

    __tablename__ = "alarm_notified"

    alarm_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlarmRaiseRow(Base):
    """The last notified raise of each alarm key, for the outbox's cool-down; deleted once older
    than the cool-down. `link` is '' for a key without a link, as in `AlarmRow`."""

    __tablename__ = "alarm_raises"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    link: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class DeviceEndpointRow(Base):
    """An enrolled CPE: where the controller reaches its management plane, and the SSH host key
    pinned for it (learned at enrolment, ZTP or first contact). Keyed by serial with no foreign
    key: a device stays enrolled across inventory imports, and a CPE of the inventory without a
    row here is not managed (nothing is pushed to it)."""

    __tablename__ = "device_endpoints"

    serial: Mapped[str] = mapped_column(String(40), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    host_key: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    credentials_ref: Mapped[str | None] = mapped_column(String(220), nullable=True)
    """The device's own login (ZTP generates one per device; a lab has its own), instead of
    its inventory CPE's `credentials_ref`."""
    key_pinned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    enrolled_by: Mapped[str] = mapped_column(String(64))


class ConfigVersionRow(Base):
    """A configuration a CPE was given: its text in the platform's dialect, who and when, and
    the diff from the version before. Versions count from 1 per CPE."""

    __tablename__ = "config_versions"
    __table_args__ = (Index("uq_config_versions_serial_version", "serial", "version", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    serial: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    diff: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PushJobRow(Base):
    """One push to one or more CPEs: running, done (every device got its configuration),
    failed (some did not) or interrupted (the controller stopped before it ended)."""

    __tablename__ = "push_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PushResultRow(Base):
    """One device of a push job: queued, committed (not yet confirmed: a controller that stops
    here leaves a device that reverts by itself), then pushed, unchanged, failed, skipped or
    interrupted; with the diff, the error and the version it got."""

    __tablename__ = "push_results"

    job_id: Mapped[int] = mapped_column(
        ForeignKey("push_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    serial: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    diff: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SiteLifecycleRow(Base):
    """Where a site stands in being opened: planned, invited, claimed, provisioning, online, or
    failed (with the reason). A site without a row is in service as the inventory has it."""

    __tablename__ = "site_lifecycle"

    site_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SiteEventRow(Base):
    """A site's timeline: every step of opening it, with who or what took it."""

    __tablename__ = "site_events"
    __table_args__ = (Index("ix_site_events_site_id_id", "site_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))


class ZtpInviteRow(Base):
    """A one-time link to open a site, e-mailed to the person at the branch, or a USB bundle
    written for one device. Only the token's SHA-256 is kept; re-inviting revokes the site's
    previous link."""

    __tablename__ = "ztp_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    mailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    serial: Mapped[str | None] = mapped_column(String(40), nullable=True)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    channel: Mapped[str] = mapped_column(String(8), server_default="mail")
    """How it reached the branch: `mail` (a link) or `usb` (a bundle, claimed when written)."""
