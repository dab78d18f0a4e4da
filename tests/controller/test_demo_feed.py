"""The simulated CPEs of the demo feed the controller's telemetry path, and the controller's
own engine decides from what they report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from controller.reconcile.reconciler import Reconciler
from controller.store.facade import Store
from policies.policy import Policy
from simulator.feed import LiveFeed
from sites.generator import generate_reference_network
from sites.site import Site
from telemetry.batch import LINK_LEVEL
from telemetry.store.registry import open_store as open_telemetry


def test_feed_reports_every_link_and_the_controller_decides(store: Store, tmp_path: Path) -> None:
    inventory = generate_reference_network(20, seed=7)
    store.replace_inventory(inventory, actor="test-setup")
    telemetry = open_telemetry("embedded", path=tmp_path / "t.db")
    try:
        opening = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: trading hours
        feed = LiveFeed(inventory, Policy(), seed=7, started=opening)
        start = datetime.now(UTC).replace(microsecond=0)  # samples are stamped with real time
        batch = None
        for second in range(3):
            batch = feed.step(start + timedelta(seconds=second))
            assert batch is not None  # cisco-bfd probes every second
            telemetry.write(batch)
        assert batch is not None
        spokes: list[Site] = [s for s in inventory.sites if s.hubs]
        link_level = {(s, k) for s, k, a in zip(batch.site, batch.link, batch.app, strict=True)
                      if a == LINK_LEVEL}  # fmt: skip
        assert link_level == {(s.id, k.id) for s in inventory.sites for k in s.links}
        trading = [i for i, a in enumerate(batch.app) if a == "o32-trading"]
        assert len(trading) == len(spokes)  # every branch trades at 10:00
        assert np.all(batch.throughput_bps[trading] > 0)

        report = Reconciler(store, telemetry).step(start + timedelta(seconds=2))
        assert (report.evaluated, report.unobserved) == (len(inventory.sites), 0)  # the hub too
        paths = store.paths.current(spokes[0].id)
        assert {p.app for p in paths} == {a.name for a in inventory.applications}
    finally:
        telemetry.close()
