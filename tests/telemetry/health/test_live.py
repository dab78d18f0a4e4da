"""LiveLinks, fed the batches as they are written, scores like `score` over `latest()`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sites.inventory import Inventory
from telemetry.health import HealthLayout, LinkState, LiveLinks, Status, score
from telemetry.store import open_store
from tests.telemetry.health.builders import T0, at, batch, change, rows_for

SPOKE = "br-xiaogan-001"


def test_live_links_agree_with_scoring_latest(tmp_path: Path, network_12: Inventory) -> None:
    layout = HealthLayout.from_inventory(network_12)
    live = LiveLinks(layout)
    store = open_store("embedded", path=tmp_path / "t.db", clock=lambda: at(1000).timestamp())
    good = rows_for(network_12)
    steps = [
        (0, good),
        (10, change(good, SPOKE, "inet-1", up=False)),
        (20, change(good, SPOKE, "mpls-1", latency_ms=95.0)),
        (30, [r for r in good if r.site != SPOKE]),
    ]
    for t, rows in steps:
        written = batch(rows, at(t))
        store.write(written)
        live.update(written)
        now = at(t + 1)
        want = score(layout, store.latest(now=now), now)
        got = live.snapshot(now)
        np.testing.assert_array_equal(got.status, want.status)
        np.testing.assert_array_equal(got.state, want.state)
        np.testing.assert_array_equal(got.meets, want.meets)
    store.close()
    assert live.snapshot(at(31)).status_of(SPOKE) is Status.AMBER  # mpls-1 still fails trading
    assert live.snapshot(at(20 + 301)).status_of(SPOKE) is Status.GREY  # its samples went stale


def test_a_late_sample_never_replaces_a_newer_one(network_12: Inventory) -> None:
    live = LiveLinks(HealthLayout.from_inventory(network_12))
    rows = rows_for(network_12, [SPOKE])
    assert live.update(batch(rows, at(10))) == 2
    assert live.update(batch(change(rows, SPOKE, "inet-1", up=False), T0)) == 0
    assert live.snapshot(at(11)).link_state(SPOKE, "inet-1") is LinkState.UP
