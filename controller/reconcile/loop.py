"""The controller's loops: the reconcile step and the monitor tick, each at its own interval in
its own worker thread, so that database and engine work never blocks the API's event loop and
a slow reconcile tick never holds up health (or the other way round). A failing step is logged
and the loop goes on; a tick that overruns its interval is logged and counted (`/metrics`).

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

from controller.metrics import Metrics

log = logging.getLogger("branchline.loop")

Step = Callable[[datetime], object]


def next_tick(now_s: float, interval_s: float) -> float:
    """The first whole multiple of the interval (seconds since the epoch) after `now_s`."""
    return (math.floor(now_s / interval_s) + 1) * interval_s


async def run_forever(
    steps: Sequence[tuple[str, Step]], interval_s: float, metrics: Metrics | None = None
) -> None:
    """At every tick, call each step with the tick's instant, one after the other. A tick that
    comes due while the previous one still runs is skipped, not queued, and counted; a step
    that takes longer than the interval is logged and counted as an overrun."""
    tick = next_tick(time.time(), interval_s)
    while True:
        await asyncio.sleep(max(0.0, tick - time.time()))
        at = datetime.fromtimestamp(tick, UTC)
        for name, step in steps:
            began = time.perf_counter()
            try:
                await asyncio.to_thread(step, at)
            except Exception:  # one failing step must not stop the others, or the next tick
                log.exception("%s step failed", name)
                if metrics is not None:
                    metrics.tick_failures.labels(name).inc()
            took = time.perf_counter() - began
            if metrics is not None:
                metrics.tick_seconds.labels(name).observe(took)
            if took > interval_s:
                log.warning("%s tick took %.2f s, longer than its %.2f s interval",
                            name, took, interval_s)  # fmt: skip
                if metrics is not None:
                    metrics.tick_overruns.labels(name).inc()
        following = next_tick(time.time(), interval_s)
        skipped = round((following - tick) / interval_s) - 1
        if skipped > 0 and metrics is not None:
            for name, _ in steps:
                metrics.ticks_skipped.labels(name).inc(skipped)
        tick = following
