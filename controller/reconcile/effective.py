"""Which policy version governs each site: its own override, else its class's, else default.

The rule itself (`scope_of`) lives in `policies.governance`, shared with the replay."""

from __future__ import annotations

from dataclasses import dataclass

from controller.store.policy_store import Policies
from policies.governance import DEFAULT, PolicyHistory, Version, scope_of
from policies.moves import PolicyRef
from policies.policy import Policy
from sites.inventory import Inventory


@dataclass(frozen=True, slots=True)
class Governing:
    ref: PolicyRef
    policy: Policy


def governing_policies(policies: Policies, inventory: Inventory) -> dict[str, Governing]:
    """{site id: the policy version that governs it}, one read per scope in force."""
    current = {v.scope: v for v in policies.scopes() if v.policy is not None}
    default = policies.current(DEFAULT)
    by_scope: dict[str, Governing] = {
        DEFAULT: Governing(PolicyRef.stored(DEFAULT, default.revision), default.value)
    }
    for scope, version in current.items():
        if scope != DEFAULT and version.policy is not None:
            by_scope[scope] = Governing(PolicyRef.stored(scope, version.version), version.policy)
    overrides = set(by_scope) - {DEFAULT}
    return {site.id: by_scope[scope_of(site, overrides)] for site in inventory.sites}


def policy_history(policies: Policies) -> PolicyHistory:
    """Every version of every scope, stamped with when it was made."""
    return PolicyHistory(
        Version(v.scope, v.version, v.created_at, v.policy) for v in policies.history()
    )
