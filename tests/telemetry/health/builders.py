"""Readable sample batches for health and alarm tests: every link good, then change a few."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from sites.inventory import Inventory
from telemetry.batch import LINK_LEVEL, SampleBatch
from telemetry.samples import Sample

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
GOOD = {"latency_ms": 20.0, "jitter_ms": 2.0, "loss_pct": 0.0}
"""Meets every SLA class of the reference catalogue (trading is the strictest: 80/15/0.5)."""


@dataclass(frozen=True)
class Row:
    site: str
    link: str
    up: bool = True
    latency_ms: float = 20.0
    jitter_ms: float = 2.0
    loss_pct: float = 0.0
    app: str = LINK_LEVEL
    throughput_bps: float = 1e6


def rows_for(inventory: Inventory, sites: Iterable[str] | None = None) -> list[Row]:
    """A good link-level row for every link of the given sites (all sites by default)."""
    wanted = None if sites is None else set(sites)
    return [
        Row(site.id, link.id)
        for site in inventory.sites
        if wanted is None or site.id in wanted
        for link in site.links
    ]


def change(rows: list[Row], site: str, link: str, **values: object) -> list[Row]:
    """The rows with one link's row changed (down: `up=False` also reports 100 % loss)."""
    if values.get("up") is False:
        values.setdefault("loss_pct", 100.0)
    return [replace(r, **values) if (r.site, r.link) == (site, link) else r for r in rows]  # type: ignore[arg-type]  # values are Row fields chosen by the test


def batch(rows: Iterable[Row], at: datetime) -> SampleBatch:
    return SampleBatch.from_samples(
        Sample(
            site=r.site,
            link=r.link,
            app=r.app or None,
            timestamp=at,
            latency_ms=r.latency_ms,
            jitter_ms=r.jitter_ms,
            loss_pct=r.loss_pct,
            utilization=0.3,
            throughput_bps=r.throughput_bps,
            up=r.up,
        )
        for r in rows
    )


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def concat(*batches: SampleBatch) -> SampleBatch:
    """The rows of several batches, in order."""
    return SampleBatch(
        site=sum((b.site for b in batches), ()),
        link=sum((b.link for b in batches), ()),
        app=sum((b.app for b in batches), ()),
        **{
            name: np.concatenate([getattr(b, name) for b in batches])
            for name in (
                "ts_ms",
                "latency_ms",
                "jitter_ms",
                "loss_pct",
                "utilization",
                "throughput_bps",
                "up",
            )
        },
    )
