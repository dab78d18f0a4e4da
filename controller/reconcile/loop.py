"""The reconcile loop: one step at a fixed interval, in a worker thread so that the database and
engine work never blocks the API's event loop. A failing step is logged and the loop goes on."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from controller.reconcile.reconciler import Reconciler

log = logging.getLogger("branchline.reconcile")


async def run_forever(reconciler: Reconciler, interval_s: float) -> None:
    while True:
        started = asyncio.get_running_loop().time()
        try:
            report = await asyncio.to_thread(reconciler.step, datetime.now(UTC))
        except Exception:  # one bad step must not stop path selection for good
            log.exception("reconcile step failed")
        else:
            if report.changes:
                log.info(
                    "reconcile: %d sites evaluated, %d paths changed",
                    report.evaluated,
                    len(report.changes),
                )
        elapsed = asyncio.get_running_loop().time() - started
        await asyncio.sleep(max(0.0, interval_s - elapsed))
