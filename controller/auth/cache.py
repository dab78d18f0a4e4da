"""A short-lived cache of authenticated tokens: a token is looked up in the database at most once
every few seconds, which is a third of the cost of a cheap read request.

The price: a token revoked from another process (the CLI) keeps working until its entry expires
(`ttl_s`, 5 s by default). Revoking through this process's API drops the entry at once.
Pure: the caller passes `now`.
"""

from __future__ import annotations

from controller.auth.principal import Principal


class TokenCache:
    def __init__(self, ttl_s: float = 5.0, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str, now: float) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        expires, principal = entry
        if now >= expires:
            del self._entries[token]
            return None
        return principal

    def put(self, token: str, principal: Principal, now: float) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # simplest bound; a full cache refills within one TTL
        self._entries[token] = (now + self.ttl_s, principal)

    def forget(self, token_id: str) -> None:
        """Drop every entry of a token id (tokens are 'bl_<id>_<secret>')."""
        prefix = f"bl_{token_id}_"
        for token in [t for t in self._entries if t.startswith(prefix)]:
            del self._entries[token]

    def clear(self) -> None:
        self._entries.clear()
