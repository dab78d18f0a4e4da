"""Answers rendered from the monitor's snapshot once per snapshot and scope, not per request.

Every browser on the map polls `status.json` and NOC tools poll `/api/v1/health/sites`; at
10,000 sites each answer is a few hundred kilobytes of JSON that took 0.1-0.3 s to build while
the controller ingested 40,000 samples a second. The snapshot changes once per monitor tick, so
the answer does too: it is rendered once (for the whole network, right after the tick, on the
monitor's thread; for a site-scoped token, on its first request) and served as bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

MAX_VIEWS = 1_000
"""Distinct answers kept per snapshot (scopes × routes × filters); beyond it, start again."""


KEPT = 2
"""Snapshots whose answers are kept: the newest, and the one before it (a monitor tick renders
the next snapshot's answers before it publishes it, while requests still ask for the last)."""


class SnapshotViews:
    """Rendered answers of the newest snapshots only. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: list[tuple[object, dict[Hashable, bytes]]] = []
        """(snapshot, its answers), oldest first."""

    def _bodies(self, snapshot: object) -> dict[Hashable, bytes] | None:
        for kept, bodies in self._kept:
            if kept is snapshot:
                return bodies
        return None

    def peek(self, snapshot: object, key: Hashable) -> bytes | None:
        """The answer `key` for `snapshot` if it is rendered already (None: it is not). Cheap
        enough for the event loop: a request that finds its answer never leaves it."""
        with self._lock:
            bodies = self._bodies(snapshot)
            return None if bodies is None else bodies.get(key)

    def get(self, snapshot: object, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The answer `key` for `snapshot`, rendered by `render` if nobody has yet."""
        body = self.peek(snapshot, key)
        if body is not None:
            return body
        body = render()  # outside the lock: other answers are served meanwhile
        with self._lock:
            bodies = self._bodies(snapshot)
            if bodies is None:
                bodies = {}
                self._kept = [*self._kept, (snapshot, bodies)][-KEPT:]
            if len(bodies) >= MAX_VIEWS:
                bodies.clear()
            bodies[key] = body
        return body
