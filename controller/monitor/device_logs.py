"""The syslog receiver's view of the inventory: which site a sender belongs to.

Rebuilt when the inventory changes (the audit log's newest id), looked at no more than every
`check_s` seconds so that a burst of logs does not become a burst of queries.
"""

from __future__ import annotations

import threading
import time

from controller.store.inventory_store import Store
from telemetry.syslog import inventory_lookup
from telemetry.syslog.model import SiteLookup


class LiveLookup:
    def __init__(self, store: Store, check_s: float = 10.0) -> None:
        self._store = store
        self._check_s = check_s
        self._lookup: SiteLookup = lambda _host, _source: None
        self._generation = -1
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, hostname: str | None, source: str) -> str | None:
        now = time.monotonic()
        if now - self._checked >= self._check_s:
            with self._lock:
                self._checked = now
                generation = self._store.audit.newest_id()
                if generation != self._generation and not self._store.is_empty():
                    self._lookup = inventory_lookup(self._store.export_inventory())
                    self._generation = generation
        return self._lookup(hostname, source)
