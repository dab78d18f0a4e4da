"""The current path of every application at every site, and the journal of path changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Engine, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from controller.db.engine import for_writing
from controller.db.tables import Base, PathChangeRow, SitePathRow
from policies.reasons import Decision

_UNPLACED = object()  # "no stored path": differs from every link, None included


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


class PathChange(NamedTuple):
    """One entry of the journal. (A named tuple: a placement tick makes 160,000 of them.)"""

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
        self._current: dict[tuple[str, str], str | None] | None = None

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
        stored. One transaction: the current paths and the journal never disagree.

        Only the moves are written: the current path of every (site, app) is kept in memory
        (read once, then maintained by this method), so a steady tick costs no statement at
        all, and a tick that moves thousands of applications costs two bulk statements."""
        current = self._known()
        moves = [
            (decision, policy)
            for decision, policy in decisions
            if current.get((decision.site, decision.app), _UNPLACED) != decision.link
        ]
        if not moves:
            return []
        # Reasons are rendered only for the moves: most decisions of a tick move nothing.
        made = [
            (d.site, d.app, current.get((d.site, d.app)), d.link, d.reason.rule.value,
             d.explain(), p)
            for d, p in moves
        ]  # fmt: skip
        journal = _table(PathChangeRow)
        with self._writer.begin() as conn:
            # One writer holds the journal's lock for the transaction: the rows above the
            # newest id when it began are this call's, in the order they were sent.
            newest = conn.scalar(select(func.coalesce(func.max(journal.c.id), 0)))
            stamp = _bound(conn, journal.c.at, at)
            _executemany(conn, insert(journal), _JOURNAL, [
                (stamp, site, app, old, new, rule, why, p.scope, p.version)
                for site, app, old, new, rule, why, p in made
            ])  # fmt: skip
            _executemany(conn, _upsert(conn, _table(SitePathRow)), _PATH, [
                (site, app, new, stamp, rule, why, p.scope, p.version)
                for site, app, _, new, rule, why, p in made
            ])  # fmt: skip
            ids = _new_ids(conn, journal.c.id, int(newest or 0), len(made))
        for site, app, _, new, *_ in made:
            current[(site, app)] = new
        self.generation += 1
        return [
            PathChange(id_, at, site, app, old, new, rule, why, p)
            for id_, (site, app, old, new, rule, why, p) in zip(ids, made, strict=True)
        ]

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
                rows = conn.execute(select(table.c.site_id, table.c.app, table.c.link))
                self._current = {(r.site_id, r.app): r.link for r in rows}
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


def _table(row: type[Base]) -> Table:
    table = row.__table__
    assert isinstance(table, Table)  # declarative classes map tables, not other selectables
    return table


def _bound(conn: Connection, column: ColumnElement[datetime], value: datetime) -> object:
    """`value` as the database driver takes it for `column` (its type's own conversion)."""
    process = column.type.bind_processor(conn.dialect)
    bound = process(value) if process is not None else value
    if conn.dialect.name == "sqlite" and isinstance(bound, datetime):
        # What sqlite3's default adapter makes of it, once instead of once per row.
        return bound.isoformat(" ")
    return bound


_JOURNAL = ("at", "site_id", "app", "from_link", "to_link", "rule", "reason", "policy_scope",
            "policy_version")  # fmt: skip
_PATH = ("site_id", "app", "link", "since", "rule", "reason", "policy_scope", "policy_version")


def _executemany(
    conn: Connection, stmt: Insert, columns: tuple[str, ...], rows: list[tuple[object, ...]]
) -> None:
    """One statement for many rows, handed to the driver: SQLAlchemy's per-row parameter
    processing costs more than the database at 160,000 rows. Values must already be in the
    driver's form (see `_bound`), in the order of `columns`.

    psycopg pipelines an executemany. Python's sqlite3 steps once per row and gives up the GIL
    at each step, so beside any busy thread every row waits for it (docs/benchmarks.md, "The
    embedded store's write beside a busy thread"): on SQLite the rows go as multi-row VALUES."""
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
    params: list[Any]
    if not compiled.positional:
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    elif tuple(compiled.positiontup or ()) == columns:
        params = rows
    else:
        order = [columns.index(name) for name in compiled.positiontup or ()]
        params = [tuple(row[i] for i in order) for row in rows]
    sql = str(compiled)
    if conn.dialect.name != "sqlite" or not compiled.positional:
        conn.exec_driver_sql(sql, params)
        return
    head, values, tail = _values_clause(sql, len(columns))
    per = _SQLITE_PARAMETERS // len(columns)
    for start in range(0, len(params), per):
        part = params[start : start + per]
        conn.exec_driver_sql(
            head + ",".join([values] * len(part)) + tail, tuple(chain.from_iterable(part))
        )


_SQLITE_PARAMETERS = 32_766
"""SQLite's default bound on the parameters of one statement (since 3.32)."""


def _values_clause(sql: str, width: int) -> tuple[str, str, str]:
    """A compiled single-row INSERT split around its row of placeholders."""
    row = "(" + ", ".join(["?"] * width) + ")"
    head, found, tail = sql.partition(" VALUES " + row)
    if not found:
        raise ValueError(f"not a single-row INSERT of {width} placeholders: {sql}")
    return head + " VALUES ", row, tail


def _new_ids(conn: Connection, column: ColumnElement[int], newest: int, count: int) -> list[int]:
    """The ids of the `count` rows this transaction added above `newest`, in order. As the only
    writer of the table for the transaction, they are usually newest+1 … newest+count: checked
    with one aggregate row, and read one by one only if not (reading 160,000 rows on SQLite
    waits for the GIL at every row, like writing them)."""
    low, high, n = conn.execute(
        select(func.min(column), func.max(column), func.count()).where(column > newest)
    ).one()
    if n == count and n and high - low + 1 == n:
        return list(range(low, high + 1))
    return list(conn.scalars(select(column).where(column > newest).order_by(column)))


def _upsert(conn: Connection, table: Table) -> Insert:
    """INSERT … ON CONFLICT (site_id, app) DO UPDATE, in the dialect of `conn`."""
    dialect = conn.dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    keys = ("site_id", "app")
    columns = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=columns)


def _change(row: PathChangeRow) -> PathChange:
    return PathChange(
        row.id, row.at, row.site_id, row.app, row.from_link, row.to_link, row.rule, row.reason,
        PolicyRef(row.policy_scope, row.policy_version),
    )  # fmt: skip
