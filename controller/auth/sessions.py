"""Short-lived browser sessions for the map.

A browser opens the map from an address with `?token=`; an address stays in the browser's
history, in bookmarks and in proxies' logs. The controller exchanges such a token once for a
random session id in an HttpOnly cookie and sends the browser on to the same address without the
token. The session lives `ttl_s` and is only as good as its token: a revoked token ends it.

Pure: the caller passes `now`. Kept in memory (a restart asks for the token again); session ids
are kept only as hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict

COOKIE = "branchline_session"


class BrowserSessions:
    def __init__(self, ttl_s: float = 8 * 3600, max_sessions: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def open(self, token: str, now: float) -> str:
        """A new session for `token`; returns its id (for the cookie, never stored as is)."""
        session = secrets.token_urlsafe(32)
        self._sessions[_hash(session)] = (token, now + self.ttl_s)
        while len(self._sessions) > self.max_sessions:  # the oldest go first
            self._sessions.popitem(last=False)
        return session

    def token(self, session: str, now: float) -> str | None:
        """The token behind a live session, or None."""
        key = _hash(session)
        found = self._sessions.get(key)
        if found is None:
            return None
        if found[1] <= now:
            del self._sessions[key]
            return None
        return found[0]


def _hash(session: str) -> str:
    return hashlib.sha256(session.encode()).hexdigest()
