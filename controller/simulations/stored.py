"""Resolve a scenario's `policy_version` against the controller's policies (sim run, sweep, API).

The simulator never reads the controller's database: it is handed a `PolicyLookup` built here.
"""

from __future__ import annotations

from collections.abc import Callable

from controller.errors import NotFoundError, UnknownReferenceError
from controller.store.facade import Store
from policies.governance import PolicyLookup, version_label
from policies.policy import Policy


def lookup_in(store: Callable[[], Store]) -> PolicyLookup:
    """A lookup of stored policy versions in the store `store()` gives when asked."""

    def lookup(scope: str, version: int | None) -> tuple[Policy, str]:
        policies = store().policies
        try:
            if version is None:
                current = policies.current(scope)
                return current.value, version_label(scope, current.revision)
            found = policies.version(scope, version)
        except (NotFoundError, UnknownReferenceError) as exc:
            raise LookupError(str(exc)) from None
        if found.policy is None:
            raise LookupError(f"policy {scope!r} version {version} removed the override")
        return found.policy, version_label(scope, version)

    return lookup
