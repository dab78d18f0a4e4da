"""Users and their API tokens. Token secrets are never stored, only their hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from controller.auth.principal import Principal, Role
from controller.auth.tokens import NewToken, new_token, secret_matches, split_token
from controller.db.engine import for_writing
from controller.db.tables import TokenRow, UserRow
from controller.errors import ConflictError, NotFoundError
from controller.store.audit import record


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str
    role: Role
    sites: tuple[str, ...] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    user: str
    description: str
    created_at: datetime
    revoked_at: datetime | None


class Users:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)

    def add(self, name: str, role: Role, sites: list[str] | None, actor: str) -> UserInfo:
        with Session(self._writer) as session, session.begin():
            if session.get(UserRow, name) is not None:
                raise ConflictError(f"a user named {name!r} already exists", "name")
            row = UserRow(name=name, role=role.value, sites=sites, created_at=datetime.now(UTC))
            session.add(row)
            after = {"name": name, "role": role.value, "sites": sites}
            record(session, actor, "create", f"users/{name}", before=None, after=after)
            return _info(row)

    def all(self) -> list[UserInfo]:
        with Session(self._engine) as session:
            return [_info(r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]

    def create_token(self, user: str, description: str, actor: str) -> NewToken:
        token = new_token()
        with Session(self._writer) as session, session.begin():
            if session.get(UserRow, user) is None:
                raise NotFoundError(f"no user named {user!r}")
            session.add(
                TokenRow(
                    id=token.id,
                    user_name=user,
                    secret_hash=token.secret_hash,
                    description=description,
                    created_at=datetime.now(UTC),
                )
            )
            after = {"id": token.id, "user": user, "description": description}
            record(session, actor, "create", f"tokens/{token.id}", before=None, after=after)
        return token

    def device_token(self, serial: str, site: str, actor: str) -> NewToken:
        """A CPE's own token (role `device`, scoped to its site), in place of any it had: the
        user `cpe-<serial>` is made, or moved to `site`, and its other tokens revoked."""
        name = f"cpe-{serial.lower()}"
        token = new_token()
        now = datetime.now(UTC)
        with Session(self._writer) as session, session.begin():
            row = session.get(UserRow, name, with_for_update=True)
            if row is None:
                session.add(UserRow(name=name, role=Role.DEVICE.value, sites=[site],
                                    created_at=now))  # fmt: skip
                after = {"name": name, "role": Role.DEVICE.value, "sites": [site]}
                record(session, actor, "create", f"users/{name}", before=None, after=after)
            elif row.role != Role.DEVICE.value:
                raise ConflictError(f"a user named {name!r} exists and is not a device", "name")
            else:
                row.sites = [site]
            old = session.scalars(
                select(TokenRow).where(TokenRow.user_name == name, TokenRow.revoked_at.is_(None))
            )
            for stale in old:
                stale.revoked_at = now
                record(session, actor, "revoke", f"tokens/{stale.id}", before={"revoked": False},
                       after={"revoked": True})  # fmt: skip
            session.add(TokenRow(id=token.id, user_name=name, secret_hash=token.secret_hash,
                                 description="telemetry", created_at=now))  # fmt: skip
            record(session, actor, "create", f"tokens/{token.id}", before=None,
                   after={"id": token.id, "user": name, "description": "telemetry"})  # fmt: skip
        return token

    def tokens(self, user: str | None = None) -> list[TokenInfo]:
        query = select(TokenRow).order_by(TokenRow.created_at)
        if user is not None:
            query = query.where(TokenRow.user_name == user)
        with Session(self._engine) as session:
            return [
                TokenInfo(t.id, t.user_name, t.description, t.created_at, t.revoked_at)
                for t in session.scalars(query)
            ]

    def revoke_token(self, token_id: str, actor: str) -> None:
        with Session(self._writer) as session, session.begin():
            row = session.get(TokenRow, token_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no token with id {token_id!r}")
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
                record(
                    session,
                    actor,
                    "revoke",
                    f"tokens/{token_id}",
                    before={"revoked": False},
                    after={"revoked": True},
                )

    def authenticate(self, token_text: str) -> Principal | None:
        """The principal a bearer token stands for, or None (unknown, revoked, wrong secret)."""
        parts = split_token(token_text)
        if parts is None:
            return None
        token_id, secret = parts
        with Session(self._engine) as session:
            token = session.get(TokenRow, token_id)
            if token is None or token.revoked_at is not None:
                return None
            if not secret_matches(secret, token.secret_hash):
                return None
            user = session.get(UserRow, token.user_name)
            if user is None:
                return None
            return Principal(
                user.name,
                Role(user.role),
                frozenset(user.sites) if user.sites is not None else None,
            )


def _info(row: UserRow) -> UserInfo:
    return UserInfo(
        row.name,
        Role(row.role),
        tuple(row.sites) if row.sites is not None else None,
        row.created_at,
    )
