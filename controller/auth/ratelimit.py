"""Repeated failed authentications are refused for a while (429).

Pure: the caller passes `now`, so tests drive time directly.
"""

from __future__ import annotations

import hashlib
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


class AuthLimiter:
    """Failed authentication, limited so that a valid credential is never refused for someone
    else's mistakes (branches behind one NAT share an address):

    - the same bad credential from one address, `limit` times in `window_s`: refused (429)
      without even being looked up, until the window lets one go;
    - many different bad credentials from one address (`address_limit` in the window, someone
      guessing): the bad ones get 429 instead of 401, telling a script to slow down; a
      credential that verifies still gets in.

    Credentials are kept only as fingerprints.
    """

    def __init__(self, limit: int = 10, address_limit: int = 100, window_s: float = 60.0) -> None:
        self.limit = limit
        self.per_credential = FailureLimiter(limit, window_s)
        self.per_address = FailureLimiter(address_limit, window_s)

    def retry_after(self, address: str, credential: str, now: float) -> float:
        """Seconds until this credential may be tried again from this address (0: now)."""
        return self.per_credential.retry_after(_key(address, credential), now)

    def failed(self, address: str, credential: str, now: float) -> float:
        """Count a failure; the seconds the address should wait (0: answer 401, not 429)."""
        self.per_credential.failed(_key(address, credential), now)
        self.per_address.failed(address, now)
        return self.per_address.retry_after(address, now)


def _key(address: str, credential: str) -> str:
    return f"{address} {hashlib.sha256(credential.encode()).hexdigest()[:32]}"
