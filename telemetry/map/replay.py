"""Replay of the last 24 h: one status per site per hour, from the store's windowed means.

Rule (docs/telemetry.md, "The map"): within one hour bucket a link *has data* when it has a
link-level window; it is *up* when at least half of its samples were up (`up_ratio >= 0.5`);
it meets an SLA class when up and the bucket's mean latency, jitter and loss are within the
class. The site's colour then follows the live rules exactly (`score_columns`): grey without
data, red when no link is up or a critical class is met by no link, amber when a link is down
or silent or an up link fails a critical class, green otherwise. Means over an hour smooth
short spikes that the live view would show, and a down sample counts as 100 % loss in the
mean, so an outage of part of an hour can still fail a class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from telemetry.batch import LINK_LEVEL, WindowBatch
from telemetry.health.layout import HealthLayout
from telemetry.health.score import LinkColumns, score_columns
from telemetry.samples import to_ms
from telemetry.store.base import Selector, TelemetryStore

BUCKET = timedelta(hours=1)
SPAN = timedelta(hours=24)
UP_SHARE = 0.5
"""A link counts as up in a bucket when at least this share of its samples was up."""


@dataclass(frozen=True, slots=True)
class Replay:
    """`codes[b][i]` is the map status code (`rows.STATUS_CODE`, one digit) of `sites[i]` in
    the bucket starting at `buckets[b]` (ms since the epoch, oldest first)."""

    sites: tuple[str, ...]
    buckets: list[int]
    bucket_ms: int
    codes: list[str]

    def seen_by(self, sees: Callable[[str], bool]) -> Replay:
        """The columns of the sites `sees` lets through."""
        keep = [i for i, site in enumerate(self.sites) if sees(site)]
        if len(keep) == len(self.sites):
            return self
        return Replay(
            sites=tuple(self.sites[i] for i in keep),
            buckets=self.buckets,
            bucket_ms=self.bucket_ms,
            codes=["".join(codes[i] for i in keep) for codes in self.codes],
        )

    def as_json(self) -> dict[str, object]:
        return {
            "sites": list(self.sites),
            "buckets": self.buckets,
            "bucket_ms": self.bucket_ms,
            "codes": self.codes,
        }


def bucket_starts(now: datetime, span: timedelta = SPAN, bucket: timedelta = BUCKET) -> list[int]:
    """The starts of the buckets covering `span` up to `now`, aligned to the epoch; the last
    one holds `now` and is partial."""
    size = int(bucket.total_seconds() * 1000)
    last = to_ms(now) // size * size
    count = int(span / bucket)
    return [last - (count - 1 - b) * size for b in range(count)]


def replay_windows(layout: HealthLayout, windows: WindowBatch, buckets: list[int]) -> list[str]:
    """Per bucket, the status codes of every site of `layout` as a string of digits."""
    slot = layout.slot
    k = np.fromiter(
        (
            slot.get((s, link), -1) if a == LINK_LEVEL else -1
            for s, link, a in zip(windows.site, windows.link, windows.app, strict=True)
        ),
        dtype=np.intp,
        count=len(windows),
    )
    starts = np.array(buckets, dtype=np.int64)
    b = np.searchsorted(starts, windows.ts_ms)
    known = (k >= 0) & (windows.count > 0) & (b < len(starts))
    known[known] = starts[b[known]] == windows.ts_ms[known]
    out = []
    for index, start in enumerate(buckets):
        rows = np.flatnonzero(known & (b == index))
        slots = k[rows]
        columns = LinkColumns.empty(layout.valid.size)
        columns.ts_ms[slots] = start
        columns.up[slots] = windows.up_ratio[rows] >= UP_SHARE
        for name in ("latency_ms", "jitter_ms", "loss_pct", "utilization"):
            getattr(columns, name)[slots] = getattr(windows, name)[rows]
        status = score_columns(layout, columns, start, start - 1).status
        out.append("".join(map(str, status.tolist())))  # the health codes are the map's
    return out


def replay(
    store: TelemetryStore,
    layout: HealthLayout,
    now: datetime,
    span: timedelta = SPAN,
    bucket: timedelta = BUCKET,
) -> Replay:
    """Read the windows of the last `span` from `store` and colour every site per bucket."""
    buckets = bucket_starts(now, span, bucket)
    start = datetime.fromtimestamp(buckets[0] / 1000, tz=now.tzinfo)
    windows = store.query(Selector(app=LINK_LEVEL), start, now, bucket)
    size = int(bucket.total_seconds() * 1000)
    return Replay(layout.site_ids, buckets, size, replay_windows(layout, windows, buckets))
