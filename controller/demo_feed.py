"""The demo's telemetry: a simulated network reporting every second into the telemetry store,
through the same `SampleBatch` write as `POST /api/v1/telemetry`."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from controller.reconcile.loop import next_tick
from controller.store.facade import Store
from simulator.feed import LiveFeed
from telemetry.store.base import TelemetryStore

log = logging.getLogger("branchline.demo")


async def feed_forever(store: Store, telemetry: TelemetryStore, seed: int = 7) -> None:
    """Every second, advance the simulated network and store what its probes measured."""
    if store.is_empty():
        return
    inventory = store.export_inventory()
    policy = store.policies.current("default").value
    feed = await asyncio.to_thread(LiveFeed, inventory, policy, seed, datetime.now(UTC))
    while True:
        tick = next_tick(time.time(), 1.0)
        await asyncio.sleep(max(0.0, tick - time.time()))
        try:
            batch = await asyncio.to_thread(feed.step, datetime.fromtimestamp(tick, UTC))
            if batch is not None:
                await asyncio.to_thread(telemetry.write, batch)
        except Exception:  # the demo's feed must not take the controller down with it
            log.exception("demo feed step failed")
