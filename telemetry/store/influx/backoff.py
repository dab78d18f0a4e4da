"""Exponential backoff with full jitter (the AWS architecture blog's variant): the n-th wait
is uniform in [0, min(maximum, initial * 2**n)], so many CPE collectors recovering together
do not hammer the server in lockstep."""

from __future__ import annotations

import random


class Backoff:
    """Successive waits in seconds; `reset()` after a success. `rng` is injected for tests."""

    def __init__(self, initial: float, maximum: float, rng: random.Random | None = None) -> None:
        if not 0 < initial <= maximum:
            raise ValueError("need 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        self._rng = rng or random.Random()
        self._failures = 0

    def next(self) -> float:
        """The next wait: its ceiling doubles with every failure since the last reset."""
        ceiling = min(self.maximum, self.initial * 2 ** min(self._failures, 60))
        self._failures += 1
        # Never below a tenth of the initial wait: a zero wait would spin on a dead server.
        return max(self.initial / 10, self._rng.uniform(0, ceiling))

    def reset(self) -> None:
        self._failures = 0
