"""Repeated failed authentications from one client are refused for a while (429).

Pure: the caller passes `now`, so tests drive time directly.
"""

from __future__ import annotations

from collections import deque


class FailureLimiter:
    """At most `limit` failures per client within `window_s`; then refuse until one expires."""

    def __init__(self, limit: int = 10, window_s: float = 60.0, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_clients = max_clients
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, client: str, now: float) -> float:
        """Seconds until `client` may try again; 0 when it may try now."""
        failures = self._recent(client, now)
        if failures is None or len(failures) < self.limit:
            return 0.0
        return failures[0] + self.window_s - now

    def failed(self, client: str, now: float) -> None:
        if len(self._failures) >= self.max_clients:  # many sources at once: forget stale ones
            for known in list(self._failures):
                self._recent(known, now)
        self._failures.setdefault(client, deque()).append(now)

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures
