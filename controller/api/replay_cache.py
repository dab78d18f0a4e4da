"""The map's replays, kept. Computing one at 10,000 sites while they report at the reference
rate reads every raw sample not rolled up yet (the last two minutes or so: millions of rows, a
second or more), so `/map/history.json` answers from a copy:

- the last 24 h (and today's hours): recomputed in the background once the copy is a minute
  old, the copy served meanwhile (an hour's mean moves little in a minute); recomputed before
  answering only once it is ten minutes old;
- a past day: kept, since it no longer changes.

Copies are of the whole network, for the network's generation (a change to the inventory starts
afresh); a scoped viewer gets its sites' columns of it. The first ask of each waits for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from controller.auth.principal import Principal
from telemetry.map import Replay

FRESH_S = 60.0
"""A copy of a replay still moving is recomputed in the background past this age..."""
KEEP_S = 600.0
"""... and before answering past this one."""
PAST_DAYS_KEPT = 16


class ReplayCache:
    """Replays by (generation, end): `end` None for the last 24 h, else the day's last moment.
    Thread-safe; one computation per key at a time."""

    def __init__(
        self,
        compute: Callable[[datetime], Replay],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._compute = compute
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[tuple[int, datetime | None], tuple[float, Replay]] = {}
        self._busy: dict[tuple[int, datetime | None], threading.Lock] = {}
        self._refreshing: set[tuple[int, datetime | None]] = set()

    def get(self, generation: int, end: datetime | None, now: datetime) -> Replay:
        """The replay ending at `end` (None: at `now`, the last 24 h) of `generation`."""
        key = (generation, end)
        moving = end is None or end > now
        with self._lock:
            kept = self._kept.get(key)
        age = None if kept is None else self._clock() - kept[0]
        if kept is not None and age is not None and (not moving or age < KEEP_S):
            if moving and age >= FRESH_S:
                self._refresh_later(key)
            return kept[1]
        return self._refresh(key)

    def warm(self, generation: int) -> None:
        """Compute the last 24 h in the background if there is no copy yet (a page that has
        just loaded may soon ask for it)."""
        with self._lock:
            kept = (generation, None) in self._kept
        if not kept:
            self._refresh_later((generation, None))

    def _refresh(self, key: tuple[int, datetime | None]) -> Replay:
        with self._lock:
            busy = self._busy.setdefault(key, threading.Lock())
            began = self._clock()
        with busy:  # a second asker waits for the first one's result
            with self._lock:
                kept = self._kept.get(key)
            if kept is not None and kept[0] >= began:
                return kept[1]
            at = self._clock()
            replay = self._compute(key[1] or datetime.now(UTC))
            with self._lock:
                self._kept[key] = (at, replay)
                self._forget_old(key[0])
            return replay

    def _refresh_later(self, key: tuple[int, datetime | None]) -> None:
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def run() -> None:
            try:
                self._refresh(key)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        threading.Thread(target=run, name="map-replay", daemon=True).start()

    def _forget_old(self, generation: int) -> None:
        """Copies of other generations, and the oldest past days beyond `PAST_DAYS_KEPT`."""
        for key in [k for k in self._kept if k[0] != generation]:
            del self._kept[key]
            self._busy.pop(key, None)
        days = sorted((k for k in self._kept if k[1] is not None), key=lambda k: self._kept[k][0])
        for key in days[:-PAST_DAYS_KEPT]:
            del self._kept[key]
            self._busy.pop(key, None)


def seen_by(replay: Replay, principal: Principal) -> Replay:
    """The columns of the sites `principal` may see."""
    if not principal.scoped:
        return replay
    keep = [i for i, site in enumerate(replay.sites) if principal.sees(site)]
    return Replay(
        sites=tuple(replay.sites[i] for i in keep),
        buckets=replay.buckets,
        bucket_ms=replay.bucket_ms,
        codes=["".join(codes[i] for i in keep) for codes in replay.codes],
    )
