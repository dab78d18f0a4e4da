"""The current paths and their journal (`Paths.record`), on SQLite and PostgreSQL: only what
moved is written, in one transaction, and the in-memory copy follows inventory changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import DBAPIError

from controller.store.facade import Store
from controller.store.path_store import JournalQuery, Paths
from policies.moves import PolicyRef
from policies.reasons import Decision, Reason, Rule
from sites.generator import generate_reference_network
from sites.inventory import Inventory
from tests.controller.db_traffic import traffic

POLICY = PolicyRef.stored("default", 1)
T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _decision(site: str, app: str, link: str | None) -> tuple[Decision, PolicyRef]:
    return Decision(site, app, link, None, Reason(Rule.PLACED)), POLICY


def test_only_moves_are_written_and_journaled(store: Store, small_inventory: Inventory) -> None:
    store.replace_inventory(small_inventory, "test")
    site = small_inventory.sites[1].id
    first = [_decision(site, "o32-trading", "mpls-1"), _decision(site, "office-web", "inet-1")]
    placed = store.paths.record(first, T0)
    assert [(c.app, c.from_link, c.to_link) for c in placed] == [
        ("o32-trading", None, "mpls-1"),
        ("office-web", None, "inet-1"),
    ]
    generation = store.paths.generation

    with traffic(store.engine) as steady:
        assert store.paths.record(first, T0 + timedelta(seconds=5)) == []
    assert (steady.transactions, steady.statements) == (0, 0)
    assert store.paths.generation == generation

    moved = [_decision(site, "o32-trading", "inet-1"), _decision(site, "office-web", "inet-1")]
    with traffic(store.engine) as one_move:
        changes = store.paths.record(moved, T0 + timedelta(seconds=10))
    assert one_move.transactions == 1
    assert [(c.app, c.from_link, c.to_link) for c in changes] == [
        ("o32-trading", "mpls-1", "inet-1")
    ]
    assert store.paths.generation == generation + 1
    current = {p.app: (p.link, p.since) for p in store.paths.current(site)}
    assert current == {
        "o32-trading": ("inet-1", T0 + timedelta(seconds=10)),
        "office-web": ("inet-1", T0),
    }
    total, journal = store.paths.journal(JournalQuery(site=site), 10, 0)
    assert total == 3
    assert journal[0].id == changes[0].id  # the ids handed back are the journal's own


def test_a_site_s_paths_and_last_moves_read_together_are_those_read_apart(
    store: Store, small_inventory: Inventory
) -> None:
    """`at_site` (the console's site panel): the current paths and the newest moves, as
    `current` and `journal` give them, in one statement each and no count."""
    store.replace_inventory(small_inventory, "test")
    site, other = small_inventory.sites[1].id, small_inventory.sites[2].id
    for i, link in enumerate(["mpls-1", "inet-1", "mpls-1", "inet-1"]):
        at = T0 + timedelta(seconds=5 * i)
        store.paths.record([_decision(site, "o32-trading", link),
                            _decision(other, "o32-trading", link)], at)  # fmt: skip
    with traffic(store.engine) as alone:
        store.paths.current(site)
    with traffic(store.engine) as read:
        paths, moves = store.paths.at_site(site, 3)
    # One transaction, and the moves for one statement more than the paths alone (no count).
    assert read.transactions == 1 and read.statements == alone.statements + 1
    assert paths == store.paths.current(site)
    assert moves == store.paths.journal(JournalQuery(site=site), 3, 0)[1]
    assert [(m.site, m.from_link, m.to_link) for m in moves] == [
        (site, "mpls-1", "inet-1"), (site, "inet-1", "mpls-1"), (site, "mpls-1", "inet-1")
    ]  # fmt: skip


def test_a_site_removed_and_added_again_is_placed_again(
    store: Store, small_inventory: Inventory
) -> None:
    store.replace_inventory(small_inventory, "test")
    site = small_inventory.sites[1].id
    decisions = [_decision(site, "o32-trading", "mpls-1")]
    assert len(store.paths.record(decisions, T0)) == 1
    # A new import removes the site's stored paths (the rows cascade with the site).
    without = tuple(s for s in small_inventory.sites if s.id != site)
    store.replace_inventory(small_inventory.model_copy(update={"sites": without}), "test")
    assert store.paths.current(site) == []
    store.replace_inventory(small_inventory, "test")
    store.paths.forget()  # what the reconciler does when the inventory's generation moves
    again = store.paths.record(decisions, T0 + timedelta(seconds=5))
    assert [(c.from_link, c.to_link) for c in again] == [(None, "mpls-1")]
    assert [p.link for p in store.paths.current(site)] == ["mpls-1"]


def test_a_placement_larger_than_one_statement_is_written_whole(store: Store) -> None:
    """The generated 2,000-site network places more rows than one SQLite statement takes
    (32,766 parameters: 3,640 journal rows), in few statements; every row and id comes back."""
    inventory = generate_reference_network(1_999, seed=3)
    store.replace_inventory(inventory, "test")
    apps = [a.name for a in inventory.applications][:3]
    decisions = [
        _decision(site.id, app, site.links[0].id) for site in inventory.sites for app in apps
    ]
    assert len(decisions) > 4_000
    with traffic(store.engine) as placing:
        changes = store.paths.record(decisions, T0)
    assert placing.statements < 20  # not one statement per row
    assert [(c.site, c.app, c.to_link) for c in changes] == [
        (d.site, d.app, d.link) for d, _ in decisions
    ]
    ids = [c.id for c in changes if c.id is not None]
    assert len(set(ids)) == len(ids) == len(changes)
    total, newest = store.paths.journal(JournalQuery(), 1, 0)
    assert total == len(decisions) and newest[0].id == max(ids)
    stored = {(p.app, p.link) for p in store.paths.current(inventory.sites[-1].id)}
    assert stored == {(app, inventory.sites[-1].links[0].id) for app in apps}


def test_a_copy_of_the_paths_gone_stale_fails_once_and_reads_them_again(
    store: Store, small_inventory: Inventory
) -> None:
    """Two controllers' path stores on one database (a restart overlapping the old process):
    the second still believes an app never placed that the first has placed. Its write fails
    without writing anything, and the next one, from the paths read again, succeeds."""
    store.replace_inventory(small_inventory, "test")
    site = small_inventory.sites[1].id
    other = Paths(store.engine)
    assert other.links() == {}  # read before the first controller placed anything
    store.paths.record([_decision(site, "o32-trading", "mpls-1")], T0)
    moved = [_decision(site, "o32-trading", "inet-1")]
    with pytest.raises(DBAPIError):  # "never placed": inserted, and the row exists
        other.record(moved, T0 + timedelta(seconds=5))
    assert [p.link for p in store.paths.current(site)] == ["mpls-1"]  # nothing half-written
    changes = other.record(moved, T0 + timedelta(seconds=10))
    assert [(c.from_link, c.to_link) for c in changes] == [("mpls-1", "inet-1")]
    assert [p.link for p in store.paths.current(site)] == ["inet-1"]
    assert store.paths.journal(JournalQuery(site=site), 10, 0)[0] == 2
