"""Which policy governs a site: its own override, else its branch class's, else the default.

Scopes are `default`, `class:A|B|C` and `site:<id>`. `PolicyHistory` holds every version of
every scope with the instant it was made, and answers which version governed each site at a
given instant: the controller keeps that history, the replay asks it about the past.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from policies.policy import Policy
from sites.inventory import Inventory
from sites.site import Site

DEFAULT = "default"
SCOPE = re.compile(r"^(default|class:[ABC]|site:[a-z0-9][a-z0-9._-]{0,62})$")
_DAWN = datetime.min.replace(tzinfo=UTC)


def scope_of(site: Site, overrides: set[str]) -> str:
    """The scope whose policy applies to `site`, given the scopes that have an override."""
    if f"site:{site.id}" in overrides:
        return f"site:{site.id}"
    if site.branch_class is not None and f"class:{site.branch_class}" in overrides:
        return f"class:{site.branch_class}"
    return DEFAULT


PolicyLookup = Callable[[str, "int | None"], tuple[Policy, str]]
"""(scope, version or None for the current one) -> the stored policy and its label; raises
LookupError with a readable message when there is no such version."""


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a scope, in force from `since` until the scope's next version."""

    scope: str
    version: int
    since: datetime
    policy: Policy | None  # None: the override was removed at this version


@dataclass(frozen=True, slots=True)
class InForce:
    """The policy that governs a site, and which version of which scope it is."""

    scope: str
    version: int
    policy: Policy
    label: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.scope, self.version)


class PolicyHistory:
    """Every version of every scope. Before the default scope's first version the built-in
    defaults (`Policy()`, version 0) govern, as in the controller."""

    def __init__(self, versions: Iterable[Version]) -> None:
        by_scope: dict[str, list[Version]] = {}
        for v in sorted(versions, key=lambda v: (v.scope, v.version)):
            by_scope.setdefault(v.scope, []).append(v)
        self._scopes = by_scope
        self._since = {s: [v.since for v in vs] for s, vs in by_scope.items()}
        self._changes = sorted(v.since for vs in by_scope.values() for v in vs)
        self._fixed_label: str | None = None

    @classmethod
    def fixed(cls, policy: Policy, label: str) -> PolicyHistory:
        """One policy governing every site at every instant (a policy file, say)."""
        history = cls([Version(DEFAULT, 0, _DAWN, policy)])
        history._fixed_label = label
        return history

    def epoch(self, at: datetime) -> int:
        """How many versions had been made by `at`: equal epochs, equal answers."""
        return bisect.bisect_right(self._changes, at)

    def in_force(self, at: datetime) -> dict[str, InForce]:
        """{scope: what it held at `at`} for the default and every override in force."""
        found: dict[str, InForce] = {}
        for scope, versions in self._scopes.items():
            i = bisect.bisect_right(self._since[scope], at) - 1
            if i >= 0 and versions[i].policy is not None:
                v = versions[i]
                assert v.policy is not None
                found[scope] = InForce(scope, v.version, v.policy, self._label(scope, v.version))
        if DEFAULT not in found:
            found[DEFAULT] = InForce(DEFAULT, 0, Policy(), self._label(DEFAULT, 0))
        return found

    def governing(self, inventory: Inventory, at: datetime) -> dict[str, InForce]:
        """{site id: the policy that governed it at `at`}."""
        scopes = self.in_force(at)
        overrides = set(scopes) - {DEFAULT}
        return {site.id: scopes[scope_of(site, overrides)] for site in inventory.sites}

    def _label(self, scope: str, version: int) -> str:
        return self._fixed_label or version_label(scope, version)


def version_label(scope: str, version: int) -> str:
    """How a stored policy version is named in replays and reports: "class:B v3"."""
    return f"{scope} v{version}"
