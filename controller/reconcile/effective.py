"""Which policy version governs each site: its own override, else its class's, else default."""

from __future__ import annotations

from dataclasses import dataclass

from controller.store.path_store import PolicyRef
from controller.store.policy_store import DEFAULT, Policies
from policies.policy import Policy
from sites.inventory import Inventory
from sites.site import Site


@dataclass(frozen=True, slots=True)
class Governing:
    ref: PolicyRef
    policy: Policy


def scope_of(site: Site, overrides: set[str]) -> str:
    """The scope whose policy applies to `site`, given the scopes that have an override."""
    if f"site:{site.id}" in overrides:
        return f"site:{site.id}"
    if site.branch_class is not None and f"class:{site.branch_class}" in overrides:
        return f"class:{site.branch_class}"
    return DEFAULT


def governing_policies(policies: Policies, inventory: Inventory) -> dict[str, Governing]:
    """{site id: the policy version that governs it}, one read per scope in force."""
    current = {v.scope: v for v in policies.scopes() if v.policy is not None}
    default = policies.current(DEFAULT)
    by_scope: dict[str, Governing] = {
        DEFAULT: Governing(PolicyRef(DEFAULT, default.revision), default.value)
    }
    for scope, version in current.items():
        if scope != DEFAULT and version.policy is not None:
            by_scope[scope] = Governing(PolicyRef(scope, version.version), version.policy)
    overrides = set(by_scope) - {DEFAULT}
    return {site.id: by_scope[scope_of(site, overrides)] for site in inventory.sites}
