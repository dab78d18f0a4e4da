"""Deterministic sample batches for the telemetry tests, on the reference network's ids."""

from __future__ import annotations

import numpy as np

from sites.inventory import Inventory
from telemetry.batch import LINK_LEVEL, SampleBatch

Series = tuple[str, str, str]


def network_series(inventory: Inventory, apps: tuple[str, ...] = ()) -> list[Series]:
    """(site, link, app) of every link of every site, plus one series per app on primaries."""
    series: list[Series] = []
    for site in inventory.sites:
        for link in site.links:
            series.append((site.id, link.id, LINK_LEVEL))
            if link.role == "primary":
                series += [(site.id, link.id, app) for app in apps]
    return series


def make_batch(
    series: list[Series], start_ms: int, seconds: int, seed: int = 1, step_ms: int = 1000
) -> SampleBatch:
    """One sample per series every `step_ms` for `seconds` steps, time-major (as CPEs report)."""
    rng = np.random.default_rng(seed)
    n = len(series) * seconds
    ts = np.repeat(start_ms + np.arange(seconds, dtype=np.int64) * step_ms, len(series))
    up = rng.random(n) > 0.05
    return SampleBatch(
        site=tuple(s[0] for s in series) * seconds,
        link=tuple(s[1] for s in series) * seconds,
        app=tuple(s[2] for s in series) * seconds,
        ts_ms=ts,
        # Rounded to what a CPE reports; keeps equality checks exact through text formats too.
        latency_ms=np.round(rng.gamma(4.0, 8.0, n), 3),
        jitter_ms=np.round(rng.gamma(2.0, 1.5, n), 3),
        loss_pct=np.where(up, np.round(rng.random(n) * 2, 3), 100.0),
        utilization=np.round(rng.random(n), 4),
        throughput_bps=np.round(rng.random(n) * 1e8),
        up=up,
    )
