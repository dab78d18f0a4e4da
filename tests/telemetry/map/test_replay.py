"""The replay rule: hourly windows scored by the live colour rules, one digit per site."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from sites.inventory import Inventory
from telemetry.batch import WindowBatch
from telemetry.health import HealthLayout, Status
from telemetry.map import STATUS_CODE, replay_windows
from telemetry.map.replay import bucket_starts

HOUR = 3_600_000
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def windows(rows: list[tuple[str, str, int, float, float]]) -> WindowBatch:
    """Rows of (site, link, bucket start, up ratio, mean latency)."""
    n = len(rows)
    return WindowBatch(
        site=tuple(r[0] for r in rows), link=tuple(r[1] for r in rows), app=("",) * n,
        ts_ms=np.array([r[2] for r in rows], dtype=np.int64), count=np.full(n, 60),
        latency_ms=np.array([r[4] for r in rows]), jitter_ms=np.full(n, 1.0),
        loss_pct=np.array([0.0 if r[3] >= 0.5 else 100.0 for r in rows]),
        utilization=np.full(n, 0.2), throughput_bps=np.full(n, 1e6),
        up_ratio=np.array([r[3] for r in rows]),
    )  # fmt: skip


def test_buckets_are_24_aligned_hours_ending_with_the_current_one() -> None:
    buckets = bucket_starts(NOW)
    assert len(buckets) == 24
    assert all(b % HOUR == 0 for b in buckets)
    assert buckets[-1] == int(datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp() * 1000)
    assert np.all(np.diff(buckets) == HOUR)


def test_each_hour_is_coloured_by_the_live_rules(small_inventory: Inventory) -> None:
    layout = HealthLayout.from_inventory(small_inventory)
    buckets = bucket_starts(NOW)
    site = "br-hangzhou-001"
    a, b, c, d = buckets[-4:]
    codes = replay_windows(
        layout,
        windows([
            (site, "mpls-1", a, 1.0, 20.0), (site, "inet-1", a, 1.0, 20.0),  # green
            (site, "mpls-1", b, 0.9, 20.0), (site, "inet-1", b, 0.2, 20.0),  # one down: amber
            (site, "mpls-1", c, 0.4, 20.0), (site, "inet-1", c, 0.0, 20.0),  # none up: red
            (site, "mpls-1", d, 1.0, 20.0),  # inet-1 silent: amber
            (site, "mpls-1", a - 25 * HOUR, 1.0, 20.0),  # outside the day: ignored
            ("br-unknown", "mpls-1", a, 1.0, 20.0), (site, "lte-9", a, 1.0, 20.0),
        ]),
        buckets,
    )  # fmt: skip
    i = layout.site_ids.index(site)
    colour = {v: k for k, v in STATUS_CODE.items()}
    got = [colour[int(day[i])] for day in codes[-4:]]
    assert got == [Status.GREEN, Status.AMBER, Status.RED, Status.AMBER]
    assert all(len(day) == len(layout.site_ids) for day in codes)
    assert {colour[int(day[i])] for day in codes[:-4]} == {Status.GREY}
    others = {day[j] for day in codes for j in range(len(day)) if j != i}
    assert others == {str(STATUS_CODE[Status.GREY])}


def test_a_slow_hour_fails_a_critical_class(small_inventory: Inventory) -> None:
    layout = HealthLayout.from_inventory(small_inventory)
    buckets = bucket_starts(NOW)
    site, hour = "br-hangzhou-001", buckets[-1]
    slow = windows([(site, "mpls-1", hour, 1.0, 900.0), (site, "inet-1", hour, 1.0, 900.0)])
    i = layout.site_ids.index(site)
    assert replay_windows(layout, slow, buckets)[-1][i] == str(STATUS_CODE[Status.RED])
