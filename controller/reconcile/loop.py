"""The controller's loop: the reconcile step and the monitor tick at a fixed interval, in a
worker thread so that database and engine work never blocks the API's event loop. A failing
step is logged and the loop goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

log = logging.getLogger("branchline.loop")

Step = Callable[[datetime], object]


async def run_forever(steps: Sequence[tuple[str, Step]], interval_s: float) -> None:
    """Every `interval_s`, call each step with the time, one after the other."""
    while True:
        started = asyncio.get_running_loop().time()
        now = datetime.now(UTC)
        for name, step in steps:
            try:
                await asyncio.to_thread(step, now)
            except Exception:  # one failing step must not stop the others, or the next tick
                log.exception("%s step failed", name)
        elapsed = asyncio.get_running_loop().time() - started
        await asyncio.sleep(max(0.0, interval_s - elapsed))
