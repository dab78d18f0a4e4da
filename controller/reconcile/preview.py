"""What a proposed policy would do at the next evaluation, without changing anything.

The proposed policy's engine takes one step for every site the scope would govern and that has
fresh observations, starting from the state the reconciler holds for the site (the state depends
on the network, not on the policy, so it carries over), with the latest observations. An app
whose resulting link differs from its recorded path is a move, given with the engine's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from controller.errors import UnknownReferenceError
from controller.reconcile.reconciler import Reconciler
from controller.store.inventory_store import Store
from controller.store.policy_store import check_scope
from policies.engine import PolicyEngine
from policies.governance import scope_of
from policies.network import Network
from policies.policy import Policy


@dataclass(frozen=True, slots=True)
class Move:
    site: str
    app: str
    current: str | None
    proposed: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Preview:
    sites: int
    observed: int
    moves: tuple[Move, ...]


def preview(
    store: Store, reconciler: Reconciler, scope: str, policy: Policy, now: datetime | None = None
) -> Preview:
    check_scope(scope)
    at = now or datetime.now(UTC)
    view = reconciler.look(at)
    if scope.startswith("site:") and scope[5:] not in view.inventory.site_by_id:
        raise UnknownReferenceError(f"no site with id {scope[5:]!r}", "scope")
    overrides = {gov.ref.scope for gov in view.governing.values()} | {scope}
    members = [s.id for s in view.inventory.sites if scope_of(s, overrides) == scope]
    observed = [site for site in members if site in view.observed]
    moves: list[Move] = []
    if observed:
        engine = PolicyEngine(policy, Network.from_inventory(view.inventory, site_ids=observed))
        for site_id in observed:
            state = view.states.get(site_id) or engine.initial_site_state(site_id)
            current = {p.app: p.link for p in store.paths.current(site_id)}
            _, decisions = engine.step(state, view.observed[site_id], at.timestamp())
            moves += [
                Move(site_id, d.app, current.get(d.app), d.link, d.explain())
                for d in decisions
                if d.link != current.get(d.app)
            ]
    return Preview(len(members), len(observed), tuple(moves))
