"""Opening sites: each site's lifecycle state and timeline, and the one-time ZTP invitations.

Only a token's SHA-256 is stored; the token itself exists in the mail and nowhere else.
Inviting a site revokes its invitations still open, moves the site to `invited` and writes the
step to its timeline and to the audit log, in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import SiteEventRow, SiteLifecycleRow, ZtpInviteRow
from controller.errors import ConflictError, NotFoundError
from controller.store.audit import record


class SiteState(StrEnum):
    PLANNED = "planned"
    INVITED = "invited"
    CLAIMED = "claimed"
    PROVISIONING = "provisioning"
    ONLINE = "online"
    FAILED = "failed"


class Channel(StrEnum):
    MAIL = "mail"  # a one-time link e-mailed to the person at the branch
    USB = "usb"  # a signed bundle written for one device, claimed by its serial from the start


class InviteStatus(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    REVOKED = "revoked"
    CLAIMED = "claimed"  # the installer gave the CPE's serial
    CONSUMED = "consumed"  # the CPE called home and got its bootstrap


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    site: str
    email: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None
    mailed_at: datetime | None
    claimed_at: datetime | None
    serial: str | None
    consumed_at: datetime | None
    channel: Channel = Channel.MAIL

    def status(self, now: datetime) -> InviteStatus:
        if self.consumed_at is not None:
            return InviteStatus.CONSUMED
        if self.revoked_at is not None:
            return InviteStatus.REVOKED
        if self.claimed_at is not None:
            return InviteStatus.CLAIMED
        return InviteStatus.EXPIRED if now >= self.expires_at else InviteStatus.OPEN


@dataclass(frozen=True, slots=True)
class SiteEvent:
    at: datetime
    state: SiteState
    step: str
    detail: str
    actor: str


STATES_TTL_S = 1.0
"""How long `states()` answers from memory: another process's writes (the CLI's) show within
it; this process's own show at once."""


class Ztp:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)
        self._states: tuple[float, Mapping[str, SiteState]] | None = None
        self.clock: Callable[[], float] = time.monotonic
        """What `states()` measures its `STATES_TTL_S` with."""

    def invite(
        self, site: str, email: str, token_hash: str, expires_at: datetime, actor: str, *,
        usb_serial: str | None = None,
    ) -> Invite:  # fmt: skip
        """A new invitation for `site`; with `usb_serial`, a USB bundle's, claimed by that
        device at once (its token is never given to anyone)."""
        now = datetime.now(UTC)
        with self._writing() as session:
            open_ids = list(session.scalars(
                select(ZtpInviteRow.id).where(
                    ZtpInviteRow.site_id == site, ZtpInviteRow.revoked_at.is_(None),
                    ZtpInviteRow.consumed_at.is_(None))
            ))  # fmt: skip
            if open_ids:
                session.execute(update(ZtpInviteRow).where(ZtpInviteRow.id.in_(open_ids))
                                .values(revoked_at=now))  # fmt: skip
            revoked = len(open_ids)
            channel = Channel.MAIL if usb_serial is None else Channel.USB
            row = ZtpInviteRow(
                site_id=site, email=email, token_hash=token_hash, created_at=now,
                created_by=actor, expires_at=expires_at, channel=channel.value,
                serial=usb_serial, claimed_at=now if usb_serial else None,
            )  # fmt: skip
            session.add(row)
            session.flush()
            until = f"valid until {expires_at:%Y-%m-%d %H:%M}Z"
            if usb_serial is None:
                step = Step(SiteState.INVITED, "invited",
                            f"invitation {row.id} for {email}, {until}", actor, now)  # fmt: skip
            else:
                step = Step(
                    SiteState.CLAIMED,
                    "usb-bundle",
                    f"USB bundle {row.id} written for {usb_serial}, {until}",
                    actor,
                    now,
                )
            if revoked:
                step = replace(step, detail=f"{step.detail} (the site's previous invitation"
                                            f"{'s' if revoked > 1 else ''} revoked)")  # fmt: skip
            _advance(session, site, step)
            record(session, actor, "create", f"ztp/invites/{row.id}", before=None,
                   after={"site": site, "email": email, "channel": channel.value,
                          "serial": usb_serial,
                          "expires_at": expires_at.isoformat()})  # fmt: skip
            return _invite(row)

    def mailed(self, invite_id: int, actor: str) -> None:
        now = datetime.now(UTC)
        with self._writing() as session:
            row = session.get(ZtpInviteRow, invite_id)
            if row is None:
                raise NotFoundError(f"no invitation {invite_id}")
            row.mailed_at = now
            step = Step(SiteState.INVITED, "mailed",
                        f"invitation {invite_id} mailed to {row.email}", actor, now)  # fmt: skip
            _event(session, row.site_id, step)
            _audited(session, row.site_id, step)

    def claim(self, invite_id: int, serial: str, actor: str) -> Invite:
        """The installer gave the CPE's serial: the invitation is bound to it, the site
        `claimed`. Claiming again with the same serial changes nothing; with another, 409."""
        now = datetime.now(UTC)
        with self._writing() as session:
            row = session.get(ZtpInviteRow, invite_id)
            if row is None:
                raise NotFoundError(f"no invitation {invite_id}")
            if row.serial is not None and row.serial != serial:
                raise ConflictError(f"this invitation is claimed for another device ({row.serial})",
                                    "serial")  # fmt: skip
            if row.serial is None:
                row.serial, row.claimed_at = serial, now
                _advance(session, row.site_id, Step(SiteState.CLAIMED, "claimed",
                                                    f"the installer gave the serial {serial}",
                                                    actor, now))  # fmt: skip
                record(session, actor, "update", f"ztp/invites/{invite_id}",
                       before={"serial": None}, after={"serial": serial})  # fmt: skip
            return _invite(row)

    def claimed_by(self, serial: str, now: datetime) -> Invite | None:
        """The open invitation claimed for `serial` (not used, revoked or expired), if any."""
        with Session(self._engine) as session:
            row = session.scalars(
                select(ZtpInviteRow).where(
                    ZtpInviteRow.serial == serial, ZtpInviteRow.consumed_at.is_(None),
                    ZtpInviteRow.revoked_at.is_(None), ZtpInviteRow.expires_at > now)
                .order_by(ZtpInviteRow.id.desc()).limit(1)
            ).first()  # fmt: skip
            return None if row is None else _invite(row)

    def used_by(self, serial: str) -> Invite | None:
        """The newest invitation a device with `serial` already called home with."""
        with Session(self._engine) as session:
            row = session.scalars(
                select(ZtpInviteRow).where(ZtpInviteRow.serial == serial,
                                           ZtpInviteRow.consumed_at.is_not(None))
                .order_by(ZtpInviteRow.id.desc()).limit(1)
            ).first()  # fmt: skip
            return None if row is None else _invite(row)

    def consume(self, invite_id: int, detail: str, actor: str) -> None:
        """The device called home with this invitation: used up; the site `provisioning`."""
        now = datetime.now(UTC)
        with self._writing() as session:
            row = session.get(ZtpInviteRow, invite_id)
            if row is None:
                raise NotFoundError(f"no invitation {invite_id}")
            row.consumed_at = now
            _advance(session, row.site_id,
                     Step(SiteState.PROVISIONING, "called-home", detail, actor, now))  # fmt: skip
            record(session, actor, "update", f"ztp/invites/{invite_id}",
                   before={"consumed": False}, after={"consumed": True})  # fmt: skip

    def advance(self, site: str, step: Step) -> None:
        """Move a site to the step's state, with the step in its timeline (online, failed)
        and in the audit log."""
        with self._writing() as session:
            _advance(session, site, step)
            _audited(session, site, step)

    def note(self, site: str, step: str, detail: str, actor: str) -> None:
        """A step of a site's timeline that does not change its state (a refused call-home)."""
        now = datetime.now(UTC)
        with self._writing() as session:
            state = self._state(session, site) or SiteState.PLANNED
            made = Step(state, step, detail, actor, now)
            _event(session, site, made)
            _audited(session, site, made)

    def revoke(self, invite_id: int, actor: str) -> Invite:
        now = datetime.now(UTC)
        with self._writing() as session:
            row = session.get(ZtpInviteRow, invite_id)
            if row is None:
                raise NotFoundError(f"no invitation {invite_id}")
            if row.consumed_at is not None:
                raise ConflictError(f"invitation {invite_id} was used already", "invite")
            if row.revoked_at is None:
                row.revoked_at = now
                state = self._state(session, row.site_id) or SiteState.PLANNED
                _event(
                    session,
                    row.site_id,
                    Step(state, "revoked", f"invitation {invite_id} revoked", actor, now),
                )
                record(session, actor, "delete", f"ztp/invites/{invite_id}",
                       before={"site": row.site_id, "email": row.email}, after=None)  # fmt: skip
            return _invite(row)

    def invites(self, site: str | None = None, limit: int = 100) -> list[Invite]:
        """Newest first."""
        query = select(ZtpInviteRow).order_by(ZtpInviteRow.id.desc()).limit(limit)
        if site is not None:
            query = query.where(ZtpInviteRow.site_id == site)
        with Session(self._engine) as session:
            return [_invite(row) for row in session.scalars(query)]

    def get(self, invite_id: int) -> Invite:
        with Session(self._engine) as session:
            row = session.get(ZtpInviteRow, invite_id)
            if row is None:
                raise NotFoundError(f"no invitation {invite_id}")
            return _invite(row)

    def invite_by_hash(self, token_hash: str) -> Invite | None:
        with Session(self._engine) as session:
            row = session.scalars(
                select(ZtpInviteRow).where(ZtpInviteRow.token_hash == token_hash)
            ).first()
            return None if row is None else _invite(row)

    def state(self, site: str) -> tuple[SiteState, str | None] | None:
        """A site's lifecycle state and the reason of a failure; None: in service."""
        with Session(self._engine) as session:
            row = session.get(SiteLifecycleRow, site)
            return None if row is None else (SiteState(row.state), row.reason)

    def states(self) -> Mapping[str, SiteState]:
        """{site: lifecycle state} of every site opened through Branchline (or being opened).
        Every map poll asks (at 10,000 sites, while ingest keeps the interpreter busy, a query
        per request took the answer over 0.1 s): read at most once per `STATES_TTL_S`."""
        now = self.clock()
        kept = self._states
        if kept is not None and now < kept[0]:
            return kept[1]
        with Session(self._engine) as session:
            rows = session.execute(select(SiteLifecycleRow.site_id, SiteLifecycleRow.state))
            found = MappingProxyType({site: SiteState(state) for site, state in rows})
        self._states = (now + STATES_TTL_S, found)
        return found

    def kept_states(self) -> Mapping[str, SiteState] | None:
        """What `states()` would answer without a query, or None when it would query (for a
        caller on the event loop, which must not wait on the database)."""
        kept = self._states
        return kept[1] if kept is not None and self.clock() < kept[0] else None

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A session in a transaction; once it ends, `states()` reads the states again."""
        try:
            with Session(self._writer) as session, session.begin():
                yield session
        finally:
            self._states = None

    def plan(self, site: str, actor: str) -> None:
        """Mark a site as planned (to be opened)."""
        now = datetime.now(UTC)
        with self._writing() as session:
            _advance(session, site, Step(SiteState.PLANNED, "planned", "to be opened", actor, now))

    def timeline(self, site: str) -> list[SiteEvent]:
        query = select(SiteEventRow).where(SiteEventRow.site_id == site).order_by(SiteEventRow.id)
        with Session(self._engine) as session:
            return [SiteEvent(r.at, SiteState(r.state), r.step, r.detail, r.actor)
                    for r in session.scalars(query)]  # fmt: skip

    @staticmethod
    def _state(session: Session, site: str) -> SiteState | None:
        row = session.get(SiteLifecycleRow, site)
        return None if row is None else SiteState(row.state)


@dataclass(frozen=True, slots=True)
class Step:
    """A step of a site's opening: the state it leaves the site in, and what happened."""

    state: SiteState
    step: str
    detail: str
    actor: str
    at: datetime
    reason: str | None = None


def _advance(session: Session, site: str, step: Step) -> None:
    """Move the site to the step's state, and write the step to its timeline."""
    row = session.get(SiteLifecycleRow, site)
    if row is None:
        session.add(SiteLifecycleRow(site_id=site, state=step.state.value, reason=step.reason,
                                     updated_at=step.at))  # fmt: skip
    else:
        row.state, row.reason, row.updated_at = step.state.value, step.reason, step.at
    _event(session, site, step)


def _audited(session: Session, site: str, step: Step) -> None:
    """A step that no other audit entry of its transaction records (the invitation's own
    entries record inviting, claiming, using and revoking)."""
    record(session, step.actor, "update", f"ztp/sites/{site}", before=None,
           after={"state": step.state.value, "step": step.step, "detail": step.detail})  # fmt: skip


def _event(session: Session, site: str, step: Step) -> None:
    session.add(SiteEventRow(site_id=site, at=step.at, state=step.state.value, step=step.step,
                             detail=step.detail, actor=step.actor))  # fmt: skip


def _invite(row: ZtpInviteRow) -> Invite:
    return Invite(row.id, row.site_id, row.email, row.created_at, row.created_by, row.expires_at,
                  row.revoked_at, row.mailed_at, row.claimed_at, row.serial,
                  row.consumed_at, Channel(row.channel))  # fmt: skip
