"""The current path of every application at every site, and the journal of path changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from controller.db.engine import for_writing
from controller.db.tables import PathChangeRow, SitePathRow
from policies.reasons import Decision


@dataclass(frozen=True, slots=True)
class PolicyRef:
    scope: str
    version: int


@dataclass(frozen=True, slots=True)
class PathInfo:
    site: str
    app: str
    link: str | None
    since: datetime
    rule: str
    reason: str
    policy: PolicyRef


@dataclass(frozen=True, slots=True)
class PathChange:
    id: int
    at: datetime
    site: str
    app: str
    from_link: str | None
    to_link: str | None
    rule: str
    reason: str
    policy: PolicyRef


@dataclass(frozen=True, slots=True)
class JournalQuery:
    site: str | None = None
    app: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    within: frozenset[str] | None = None  # a site-scoped caller sees only these sites


class Paths:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = for_writing(engine)
        self.generation = 0
        """Bumped by every `record` of this process: readers' caches compare it."""

    def current(self, site_id: str) -> list[PathInfo]:
        # Core rather than ORM objects: this is the hottest read of the API.
        table = SitePathRow.__table__
        query = select(table).where(table.c.site_id == site_id).order_by(table.c.app)
        with self._engine.connect() as conn:
            return [
                PathInfo(r.site_id, r.app, r.link, r.since, r.rule, r.reason,
                         PolicyRef(r.policy_scope, r.policy_version))
                for r in conn.execute(query)
            ]  # fmt: skip

    def record(
        self, decisions: Iterable[tuple[Decision, PolicyRef]], at: datetime
    ) -> list[PathChange]:
        """Store where each decision puts its app; journal those that differ from what was
        stored. One transaction: the current paths and the journal never disagree."""
        changes = []
        with Session(self._writer) as session, session.begin():
            for decision, policy in decisions:
                row = session.get(SitePathRow, (decision.site, decision.app), with_for_update=True)
                reason = decision.explain()
                if row is not None and row.link == decision.link:
                    continue
                journal = PathChangeRow(
                    at=at, site_id=decision.site, app=decision.app,
                    from_link=row.link if row else None, to_link=decision.link,
                    rule=decision.reason.rule.value, reason=reason,
                    policy_scope=policy.scope, policy_version=policy.version,
                )  # fmt: skip
                session.add(journal)
                if row is None:
                    row = SitePathRow(site_id=decision.site, app=decision.app)
                    session.add(row)
                row.link, row.since, row.rule, row.reason = (
                    decision.link, at, decision.reason.rule.value, reason
                )  # fmt: skip
                row.policy_scope, row.policy_version = policy.scope, policy.version
                session.flush()
                changes.append(_change(journal))
        if changes:
            self.generation += 1
        return changes

    def as_of(self, at: datetime) -> dict[tuple[str, str], str | None]:
        """{(site, app): link} as the journal had them just before `at` (every app it had
        placed by then): where a replay of a window starting at `at` finds them."""
        t = PathChangeRow.__table__
        newest = (
            select(func.max(t.c.id).label("id"))
            .where(t.c.at < at)
            .group_by(t.c.site_id, t.c.app)
            .subquery()
        )
        query = select(t.c.site_id, t.c.app, t.c.to_link).join(newest, t.c.id == newest.c.id)
        with self._engine.connect() as conn:
            return {(r.site_id, r.app): r.to_link for r in conn.execute(query)}

    def journal(self, query: JournalQuery, limit: int, offset: int) -> tuple[int, list[PathChange]]:
        """Newest first."""
        select_rows = select(PathChangeRow)
        if query.site is not None:
            select_rows = select_rows.where(PathChangeRow.site_id == query.site)
        if query.app is not None:
            select_rows = select_rows.where(PathChangeRow.app == query.app)
        if query.since is not None:
            select_rows = select_rows.where(PathChangeRow.at >= query.since)
        if query.until is not None:
            select_rows = select_rows.where(PathChangeRow.at < query.until)
        if query.within is not None:
            select_rows = select_rows.where(PathChangeRow.site_id.in_(sorted(query.within)))
        with Session(self._engine) as session:
            total = session.scalar(select(func.count()).select_from(select_rows.subquery())) or 0
            rows = session.scalars(
                select_rows.order_by(PathChangeRow.id.desc()).limit(limit).offset(offset)
            )
            return int(total), [_change(r) for r in rows]


def _change(row: PathChangeRow) -> PathChange:
    return PathChange(
        row.id, row.at, row.site_id, row.app, row.from_link, row.to_link, row.rule, row.reason,
        PolicyRef(row.policy_scope, row.policy_version),
    )  # fmt: skip
