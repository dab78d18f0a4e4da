"""Answers kept, for the routes whose answer is costly and may be a little old: the map's page
(rendering 10,000 sites: a third of a second) and its replays (reading every raw sample not
rolled up yet: a second or more under full ingest).

A kept answer is served as it is while it is fresh; once older than `fresh_s` it is still served
at once and computed again behind it; once older than `keep_s` it is computed again before
answering. An answer that no longer changes (a past day's replay: `moving=False`) is kept as it
is. Keys carry the network's generation, so a change to the inventory starts afresh; at most
`limit` answers are kept, the oldest dropped first. The first ask of a key waits for it; asks of
a key being computed wait for that computation, not another."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger("branchline.kept")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """`compute(key)`'s answers, kept (see the module). Thread-safe."""

    def __init__(
        self,
        compute: Callable[[K], V],
        *,
        fresh_s: float,
        keep_s: float,
        limit: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._compute = compute
        self._fresh_s, self._keep_s, self._limit = fresh_s, keep_s, limit
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[K, tuple[float, V]] = {}
        self._busy: dict[K, threading.Lock] = {}
        self._refreshing: set[K] = set()

    def get(self, key: K, *, moving: bool = True) -> V:
        """The answer for `key`: kept, or computed now (see the module)."""
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            age = self._clock() - kept[0]
            if not moving or age < self._keep_s:
                if moving and age >= self._fresh_s:
                    self.refresh_later(key)
                return kept[1]
        return self._refresh(key)

    def has(self, key: K) -> bool:
        """Whether an answer for `key` is kept."""
        with self._lock:
            return key in self._kept

    def warm(self, key: K) -> None:
        """Compute `key`'s answer in the background if none is kept (it may soon be asked)."""
        if not self.has(key):
            self.refresh_later(key)

    def keep_fresh(self, key: K) -> None:
        """Compute `key`'s answer in the background if none is kept or the kept one is no
        longer fresh: for an answer about to be asked (an open console's replay), so that the
        ask finds it fresh and never waits for a computation."""
        with self._lock:
            kept = self._kept.get(key)
        if kept is None or self._clock() - kept[0] >= self._fresh_s:
            self.refresh_later(key)

    def refresh_later(self, key: K) -> None:
        """Compute `key`'s answer again in the background (once at a time)."""
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def run() -> None:
            try:
                self._refresh(key)
            except Exception as exc:  # a thread of its own: say it, go on
                log.warning("computing a kept answer (%r) failed: %s: %s", key,
                            type(exc).__name__, exc)  # fmt: skip
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        threading.Thread(target=run, name="kept-answer", daemon=True).start()

    def _refresh(self, key: K) -> V:
        with self._lock:
            busy = self._busy.setdefault(key, threading.Lock())
            began = self._clock()
        with busy:  # a second asker waits for the first one's answer
            with self._lock:
                kept = self._kept.get(key)
            if kept is not None and kept[0] >= began:
                return kept[1]
            at = self._clock()
            value = self._compute(key)
            with self._lock:
                self._kept[key] = (at, value)
                for old in sorted(self._kept, key=lambda k: self._kept[k][0])[: -self._limit]:
                    del self._kept[old]
                    self._busy.pop(old, None)
            return value
