"""The syslog receiver's view of the inventory: which site a sender belongs to.

Derived from the current inventory (`Store.current`), looked at no more than every `check_s`
seconds so that a burst of logs does not become a burst of queries.
"""

from __future__ import annotations

import contextlib
import threading
import time

from controller.errors import NoInventoryError
from controller.store.facade import Store
from telemetry.syslog import inventory_lookup
from telemetry.syslog.model import SiteLookup


class LiveLookup:
    def __init__(self, store: Store, check_s: float = 10.0) -> None:
        self._store = store
        self._check_s = check_s
        self._lookup: SiteLookup = lambda _host, _source: None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, hostname: str | None, source: str) -> str | None:
        now = time.monotonic()
        if now - self._checked >= self._check_s:
            with self._lock:
                self._checked = now
                with contextlib.suppress(NoInventoryError):  # none yet: no sender is known
                    self._lookup = self._store.current.derive(inventory_lookup)
        return self._lookup(hostname, source)
