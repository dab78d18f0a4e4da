"""Policies: a global default plus per-branch-class and per-site overrides, each an immutable
chain of versions. A change is a new version (author, time, comment, diff against the previous);
a revert is a new version equal to an old one; If-Match makes a stale change fail (412)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import PolicyHeadRow, PolicyVersionRow, SiteRow
from controller.errors import ConflictError, NotFoundError, UnknownReferenceError
from controller.store.audit import record
from controller.store.json_diff import json_diff
from controller.store.revisions import ANY, Stored, check_revision
from policies.governance import DEFAULT, SCOPE
from policies.policy import Policy


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    scope: str
    version: int
    policy: Policy | None  # None: the override was removed at this version
    author: str
    created_at: datetime
    comment: str
    diff: list[dict[str, Any]]


def check_scope(scope: str) -> str:
    if not SCOPE.match(scope):
        raise UnknownReferenceError(
            f"{scope!r} is not a policy scope: use 'default', 'class:A', 'class:B', 'class:C' "
            "or 'site:<site id>'",
            "scope",
        )
    return scope


def utc_now() -> datetime:
    return datetime.now(UTC)


class Policies:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._writer = for_writing(engine)
        self._clock = clock  # stamps new versions: the replay follows a policy from then on

    def current(self, scope: str) -> Stored[Policy]:
        """The policy in force for a scope. The default scope always has one (built-in
        defaults at revision 0 until the first change); an override may not exist (404)."""
        check_scope(scope)
        with Session(self._engine) as session:
            head = session.get(PolicyHeadRow, scope)
            row = session.get(PolicyVersionRow, (scope, head.version)) if head else None
            if row is None or row.doc is None:
                if scope == DEFAULT:
                    return Stored(Policy(), head.version if head else 0)
                raise NotFoundError(f"no policy override for {scope!r}")
            return Stored(Policy.model_validate(row.doc), row.version)

    def scopes(self) -> list[PolicyVersion]:
        """The current version of every scope that has one, overrides removed included."""
        with Session(self._engine) as session:
            heads = session.scalars(select(PolicyHeadRow).order_by(PolicyHeadRow.scope)).all()
            return [
                _version(session.get_one(PolicyVersionRow, (h.scope, h.version))) for h in heads
            ]

    def update(
        self, scope: str, policy: Policy | None, comment: str, expected: int, actor: str
    ) -> PolicyVersion:
        """Make `policy` the scope's new version (None removes an override)."""
        check_scope(scope)
        if policy is None and scope == DEFAULT:
            raise ConflictError("the default policy cannot be removed; change it instead")
        with Session(self._writer) as session, session.begin():
            if scope.startswith("site:") and session.get(SiteRow, scope[5:]) is None:
                raise UnknownReferenceError(f"no site with id {scope[5:]!r}", "scope")
            head = session.get(PolicyHeadRow, scope, with_for_update=True)
            current = head.version if head else 0
            if head is None and expected not in (ANY, 0):
                raise NotFoundError(f'no policy for {scope!r} yet: create it with If-Match: "0"')
            check_revision(expected, current, f"policy {scope!r}")
            previous = session.get(PolicyVersionRow, (scope, current)) if head else None
            before = previous.doc if previous else (Policy().model_dump(mode="json")
                                                    if scope == DEFAULT else None)  # fmt: skip
            after = policy.model_dump(mode="json") if policy is not None else None
            row = PolicyVersionRow(
                scope=scope,
                version=current + 1,
                doc=after,
                author=actor,
                created_at=self._clock(),
                comment=comment,
                diff=json_diff(before, after),
            )
            session.add(row)
            if head is None:
                session.add(PolicyHeadRow(scope=scope, version=row.version))
            else:
                head.version = row.version
            record(session, actor, "update", f"policies/{scope}", before=before, after=after)
            session.flush()
            return _version(row)

    def versions(self, scope: str) -> list[PolicyVersion]:
        """Newest first."""
        check_scope(scope)
        with Session(self._engine) as session:
            rows = session.scalars(
                select(PolicyVersionRow)
                .where(PolicyVersionRow.scope == scope)
                .order_by(PolicyVersionRow.version.desc())
            ).all()
            return [_version(r) for r in rows]

    def history(self) -> list[PolicyVersion]:
        """Every version of every scope, oldest first within a scope."""
        with Session(self._engine) as session:
            rows = session.scalars(
                select(PolicyVersionRow).order_by(PolicyVersionRow.scope, PolicyVersionRow.version)
            ).all()
            return [_version(r) for r in rows]

    def version(self, scope: str, version: int) -> PolicyVersion:
        check_scope(scope)
        with Session(self._engine) as session:
            row = session.get(PolicyVersionRow, (scope, version))
            if row is None:
                raise NotFoundError(f"policy {scope!r} has no version {version}")
            return _version(row)

    def revert(
        self, scope: str, version: int, comment: str, expected: int, actor: str
    ) -> PolicyVersion:
        """A new version equal to `version`: history is never rewritten."""
        old = self.version(scope, version)
        note = comment or f"revert to version {version}"
        return self.update(scope, old.policy, note, expected, actor)


def _version(row: PolicyVersionRow) -> PolicyVersion:
    return PolicyVersion(
        scope=row.scope,
        version=row.version,
        policy=Policy.model_validate(row.doc) if row.doc is not None else None,
        author=row.author,
        created_at=row.created_at,
        comment=row.comment,
        diff=row.diff,
    )
