"""The current path of every application at every site, and the journal of path changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from controller.db.engine import for_writing
from controller.db.tables import Base, PathChangeRow, SitePathRow
from controller.store.bulk import bound, insert_many, new_ids, select_all
from policies.moves import Move, PolicyRef, moves
from policies.reasons import Decision


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
        self._current: dict[tuple[str, str], str | None] | None = None

    def current(self, site_id: str) -> list[PathInfo]:
        with self._engine.connect() as conn:
            return _current_of(conn, site_id)

    def at_site(self, site_id: str, changes: int) -> tuple[list[PathInfo], list[Move]]:
        """A site's current paths and its last `changes` moves (newest first), read together:
        one connection and no count, for a console's site panel, which asks under full ingest
        where each statement waits for the interpreter again."""
        journal = _table(PathChangeRow)
        recent = (select(journal).where(journal.c.site_id == site_id)
                  .order_by(journal.c.id.desc()).limit(changes))  # fmt: skip
        with self._engine.connect() as conn:
            return _current_of(conn, site_id), [_change(r) for r in conn.execute(recent)]

    def record(self, decisions: Iterable[tuple[Decision, PolicyRef]], at: datetime) -> list[Move]:
        """Store where each decision puts its app; journal those that differ from what was
        stored (`policies.moves.moves`), and return them with their journal ids. One
        transaction: the current paths and the journal never disagree.

        Only the moves are written: the current path of every (site, app) is kept in memory
        (read once, then maintained by this method), so a steady tick costs no statement at
        all, and a tick that moves thousands of applications costs a few bulk statements."""
        current = self._known()
        found = moves(decisions, current, at)
        if not found:
            return []
        # Apps placed for the first time first: their current paths are plain inserts (every
        # app, the first tick after an import), the others replace a stored path.
        placed = [m for m in found if (m.site, m.app) not in current]
        made = placed + [m for m in found if (m.site, m.app) in current] if placed else found
        journal = _table(PathChangeRow)
        try:
            with self._writer.begin() as conn:
                # One writer holds the journal's lock for the transaction: the rows above the
                # newest id when it began are this call's, in the order they were sent.
                newest = int(conn.scalar(select(func.coalesce(func.max(journal.c.id), 0))) or 0)
                stamp = bound(conn, journal.c.at, at)
                mark = newest
                for part, replacing in ((made[: len(placed)], False), (made[len(placed) :], True)):
                    if not part:
                        continue
                    insert_many(conn, journal, _JOURNAL, [
                        (stamp, m.site, m.app, m.from_link, m.to_link, m.rule, m.reason,
                         m.policy.scope, m.policy.version)
                        for m in part
                    ])  # fmt: skip
                    # The current paths follow from the journal rows just written, on the
                    # server: the rows are not sent twice.
                    conn.execute(_follow_journal(conn, mark, replacing=replacing))
                    mark = int(conn.scalar(select(func.max(journal.c.id))) or 0)
                ids = new_ids(conn, journal.c.id, newest, len(made))
        except Exception:
            self.forget()  # the database may hold what this copy does not: read it again
            raise
        for m in made:
            current[(m.site, m.app)] = m.to_link
        self.generation += 1
        return [Move._make((*m[:-1], id_)) for id_, m in zip(ids, made, strict=True)]

    def links(self) -> dict[tuple[str, str], str | None]:
        """{(site, app): link} of every stored path (a copy: the loop's thread updates the
        original)."""
        return dict(self._known())

    def forget(self) -> None:
        """Drop the in-memory copy of the current paths: the next `record` reads them again.
        Called when the inventory changes (removing a site removes its paths with it)."""
        self._current = None

    def _known(self) -> dict[tuple[str, str], str | None]:
        if self._current is None:
            table = SitePathRow.__table__
            with self._engine.connect() as conn:
                rows = select_all(conn, select(table.c.site_id, table.c.app, table.c.link))
                self._current = {(site, app): link for site, app, link in rows}
        return self._current

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

    def journal(self, query: JournalQuery, limit: int, offset: int) -> tuple[int, list[Move]]:
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


def _table(row: type[Base]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)  # declarative classes map tables, not other selectables
    return table


_JOURNAL = ("at", "site_id", "app", "from_link", "to_link", "rule", "reason", "policy_scope",
            "policy_version")  # fmt: skip
_PATH = ("site_id", "app", "link", "since", "rule", "reason", "policy_scope", "policy_version")
_FROM_JOURNAL = ("site_id", "app", "to_link", "at", "rule", "reason", "policy_scope",
                 "policy_version")  # fmt: skip


def _follow_journal(conn: Connection, newest: int, *, replacing: bool) -> Insert:
    """INSERT into the current paths the journal rows above `newest` (one per (site, app));
    `replacing`: they replace stored paths (an upsert), else they are new."""
    journal, paths = _table(PathChangeRow), _table(SitePathRow)
    source = select(*(journal.c[c] for c in _FROM_JOURNAL)).where(journal.c.id > newest)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(paths).from_select(list(_PATH), source)
    if not replacing:
        return stmt
    return stmt.on_conflict_do_update(
        index_elements=["site_id", "app"], set_={c: stmt.excluded[c] for c in _PATH[2:]}
    )


def _current_of(conn: Connection, site_id: str) -> list[PathInfo]:
    # Core rather than ORM objects: this is the hottest read of the API.
    table = _table(SitePathRow)
    query = select(table).where(table.c.site_id == site_id).order_by(table.c.app)
    return [
        PathInfo(r.site_id, r.app, r.link, r.since, r.rule, r.reason,
                 PolicyRef.stored(r.policy_scope, r.policy_version))
        for r in conn.execute(query)
    ]  # fmt: skip


def _change(row: PathChangeRow | Row[Any]) -> Move:
    return Move(
        row.at, row.site_id, row.app, row.from_link, row.to_link, row.rule, row.reason,
        PolicyRef.stored(row.policy_scope, row.policy_version), row.id,
    )  # fmt: skip
