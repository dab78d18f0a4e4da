"""What a proposed policy would do at the next evaluation, without changing anything.

The proposed policy's engine takes one step for every site the scope would govern and that has
fresh observations, starting from the state the reconciler's shell holds for the site (the
state depends on the network, not on the policy, so it carries over), with the latest
observations. An app whose resulting link differs from its recorded path is a move, given with
the engine's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from controller.errors import UnknownReferenceError
from controller.reconcile.reconciler import Reconciler
from controller.store.facade import Store
from controller.store.policy_store import check_scope
from policies.governance import scope_of
from policies.moves import Move, PolicyRef, moves
from policies.policy import Policy


@dataclass(frozen=True, slots=True)
class Preview:
    sites: int
    observed: int
    moves: tuple[Move, ...]


def preview(
    store: Store,
    reconciler: Reconciler,
    scope: str,
    policy: Policy,
    now: datetime | None = None,
    *,
    within: frozenset[str] | None = None,
) -> Preview:
    """The moves `policy` would make at the sites `scope` would govern (of those, only the
    sites in `within`, if given: what a site-scoped caller may see)."""
    check_scope(scope)
    at = now or datetime.now(UTC)
    view = reconciler.look(at)
    if scope.startswith("site:") and scope[5:] not in view.inventory.site_by_id:
        raise UnknownReferenceError(f"no site with id {scope[5:]!r}", "scope")
    overrides = {gov.ref.scope for gov in view.governing.values()} | {scope}
    members = [
        s.id
        for s in view.inventory.sites
        if scope_of(s, overrides) == scope and (within is None or s.id in within)
    ]
    decisions = view.shell.what_if(
        policy, members, view.observations, view.observed, at.timestamp()
    )
    proposed = PolicyRef(scope, 0, f"{scope} (proposed)")
    found = tuple(moves(((d, proposed) for d in decisions), store.paths.links(), at))
    index = {s.id: i for i, s in enumerate(view.inventory.sites)}
    observed = sum(bool(view.observed[index[site]]) for site in members)
    return Preview(len(members), observed, found)
