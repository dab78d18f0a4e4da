"""A cache of serialised answers for the API's hottest read, a site's current paths.

An entry is valid while the paths store's generation is unchanged (every `record` bumps it, so
a decision of this process's reconcile loop is visible at once) and for at most `ttl_s` seconds
(writes by other processes, such as an inventory import from the CLI, show within that time;
the paths themselves change at most once per reconcile interval). Pure: `now` is passed in.
"""

from __future__ import annotations

import zlib


class ReadCache:
    def __init__(self, ttl_s: float = 5.0, max_entries: int = 100_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[int, float, bytes]] = {}

    def get(self, key: str, generation: int, now: float) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != generation or now >= entry[1]:
            return None
        return entry[2]

    def put(self, key: str, generation: int, now: float, body: bytes) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        # Spread expiries over 0.5-1.0 × ttl by key: entries filled together must not all
        # expire together, or every site is re-read in the same instant and requests queue.
        spread = 0.5 + (zlib.crc32(key.encode()) % 1000) / 2000
        self._entries[key] = (generation, now + self.ttl_s * spread, body)
