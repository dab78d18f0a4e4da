"""The controller's loop: the reconcile step and the monitor tick at a fixed interval, in a
worker thread so that database and engine work never blocks the API's event loop. A failing
step is logged and the loop goes on.

Ticks fall on whole multiples of the interval since the epoch (every 5 s: at :00, :05, …), and
each step is given that instant, not the moment it happened to run: a replay of recorded
telemetry (`branchline sim replay`) can then evaluate at exactly the same instants.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

log = logging.getLogger("branchline.loop")

Step = Callable[[datetime], object]


def next_tick(now_s: float, interval_s: float) -> float:
    """The first whole multiple of the interval (seconds since the epoch) after `now_s`."""
    return (math.floor(now_s / interval_s) + 1) * interval_s


async def run_forever(steps: Sequence[tuple[str, Step]], interval_s: float) -> None:
    """At every tick, call each step with the tick's instant, one after the other. A tick that
    comes due while the previous one still runs is skipped, not queued."""
    while True:
        tick = next_tick(time.time(), interval_s)
        await asyncio.sleep(max(0.0, tick - time.time()))
        at = datetime.fromtimestamp(tick, UTC)
        for name, step in steps:
            try:
                await asyncio.to_thread(step, at)
            except Exception:  # one failing step must not stop the others, or the next tick
                log.exception("%s step failed", name)
