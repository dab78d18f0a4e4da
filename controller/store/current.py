"""The current inventory: the one place every reader gets the network as it stands, and what
it derives from it (the health layout, the syslog lookup, the telemetry series, ...).

Every write to the inventory or the policies records an audit entry in its own transaction, so
the newest such entry's id is a generation number: a copy made at generation g is current while
the newest id is g. Writes beside the network (users, tokens, sites' openings, enrolled
devices) are audited too but leave the generation alone: they do not make every reader export
the network again. Exporting 10,000 sites from the database takes about half a second; deriving a
health layout some tens of milliseconds. Each is done once per generation, whoever asks first,
and shared: after one write the inventory is exported once, not once per reader.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from controller.store.audit import AuditLog
from sites.inventory import Inventory

T = TypeVar("T")


class CurrentInventory:
    """The inventory as of the newest audit entry, and values derived from it. Thread-safe."""

    def __init__(self, audit: AuditLog, read: Callable[[], Inventory]) -> None:
        self._audit = audit
        self._read = read
        self._lock = threading.Lock()
        self._copy: tuple[int, Inventory] | None = None
        self._derived: dict[Callable[[Inventory], Any], tuple[int, Any]] = {}

    def generation(self) -> int:
        """The newest audit entry's id among the network's writes: it changes with every
        write of the inventory or the policies (not with a token made, a site's opening)."""
        return self._audit.network_generation()

    def get(self) -> tuple[int, Inventory]:
        """The generation and the inventory as of it. Raises NoInventoryError before the first
        import."""
        generation = self._audit.network_generation()
        with self._lock:
            copy = self._copy
            if copy is None or copy[0] != generation:
                copy = self._copy = (generation, self._read())
            return copy

    def inventory(self) -> Inventory:
        return self.get()[1]

    def derive(self, build: Callable[[Inventory], T]) -> T:
        """`build(inventory)`, built once per generation and shared by every caller that
        passes the same function."""
        return self.derived(build)[1]

    def derived(self, build: Callable[[Inventory], T]) -> tuple[Inventory, T]:
        """The inventory and `build(inventory)` of one and the same generation."""
        generation, inventory = self.get()
        with self._lock:
            kept = self._derived.get(build)
            if kept is not None and kept[0] == generation:
                return inventory, cast(T, kept[1])
        value = build(inventory)  # outside the lock: a slow build must not stall other readers
        with self._lock:
            self._derived[build] = (generation, value)
        return inventory, value

    def adopt(self, generation: int, inventory: Inventory) -> None:
        """What a write just stored is what a read would return: keep it as the copy."""
        with self._lock:
            self._copy = (generation, inventory)
