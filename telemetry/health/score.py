"""Score every site from the newest samples: the pure, vectorised core of health.

Rules (docs/telemetry.md, "Health"):

- A link is *up* or *down* by its newest link-level sample within `stale_after` of `now`, and
  *no data* without one. It meets an SLA class when up and latency, jitter and loss are each
  at most the class's limit (the same comparison as `policies`).
- A site is **grey** when none of its links has data; **red** when none of its links is up,
  or when some critical SLA class (by default: one a high-priority application needs) is met
  by none of its links; **amber** when a link is down or silent, or an up link fails a
  critical class; **green** otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from policies.sla import meets_sla
from telemetry.batch import LINK_LEVEL, BoolArray, FloatArray, IntArray, SampleBatch
from telemetry.health.layout import HealthLayout, IndexArray, Int8Array
from telemetry.health.model import AMBER, DOWN, GREEN, GREY, NO_DATA, RED, UP, HealthRules
from telemetry.health.snapshot import HealthSnapshot
from telemetry.samples import to_ms

DEFAULT_RULES = HealthRules()


def link_rows(
    layout: HealthLayout, latest: SampleBatch, after: int, until: int
) -> tuple[IndexArray, IndexArray]:
    """(row, slot) of the fresh link-level rows of known links; the newest row per slot."""
    slot = layout.slot
    found = np.fromiter(
        (
            slot.get((s, k), -1) if a == LINK_LEVEL else -1
            for s, k, a in zip(latest.site, latest.link, latest.app, strict=True)
        ),
        dtype=np.intp,
        count=len(latest),
    )
    keep = (found >= 0) & (latest.ts_ms > after) & (latest.ts_ms <= until)
    rows = np.flatnonzero(keep)
    slots = found[rows]
    # Newest wins if a caller passes several samples of a link: sort by (slot, ts), keep last.
    order = np.lexsort((latest.ts_ms[rows], slots))
    rows, slots = rows[order], slots[order]
    last = np.ones(len(slots), dtype=np.bool_)
    last[:-1] = slots[1:] != slots[:-1]
    return rows[last], slots[last]


def score(
    layout: HealthLayout,
    latest: SampleBatch,
    now: datetime,
    rules: HealthRules = DEFAULT_RULES,
) -> HealthSnapshot:
    """Health of every site of `layout` at `now`, from samples such as `TelemetryStore.latest`
    returns. Application samples and unknown sites or links are ignored."""
    now_ms = to_ms(now)
    after = now_ms - int(rules.stale_after.total_seconds() * 1000)
    rows, slots = link_rows(layout, latest, after, now_ms)
    columns = LinkColumns.empty(layout.valid.size)
    columns.ts_ms[slots] = latest.ts_ms[rows]
    columns.up[slots] = latest.up[rows]
    for name in ("latency_ms", "jitter_ms", "loss_pct", "utilization"):
        getattr(columns, name)[slots] = getattr(latest, name)[rows]
    return score_columns(layout, columns, now_ms, after)


@dataclass(frozen=True, eq=False)
class LinkColumns:
    """The newest sample of every link slot, flat in layout order; `ts_ms` -1 where none."""

    ts_ms: IntArray
    up: BoolArray
    latency_ms: FloatArray
    jitter_ms: FloatArray
    loss_pct: FloatArray
    utilization: FloatArray

    @classmethod
    def empty(cls, size: int) -> LinkColumns:
        return cls(
            ts_ms=np.full(size, -1, dtype=np.int64),
            up=np.zeros(size, dtype=np.bool_),
            latency_ms=np.full(size, np.nan),
            jitter_ms=np.full(size, np.nan),
            loss_pct=np.full(size, np.nan),
            utilization=np.full(size, np.nan),
        )


def score_columns(
    layout: HealthLayout, columns: LinkColumns, now_ms: int, after_ms: int
) -> HealthSnapshot:
    """Score link columns; a sample outside (after_ms, now_ms] counts as no data."""
    shape = layout.valid.shape
    fresh = (columns.ts_ms > after_ms) & (columns.ts_ms <= now_ms)
    ts = np.where(fresh, columns.ts_ms, -1).reshape(shape)
    has = fresh.reshape(shape)
    up = columns.up.reshape(shape) & has

    def column(values: FloatArray) -> FloatArray:
        masked: FloatArray = np.where(fresh, values, np.nan).reshape(shape)
        return masked

    latency, jitter = column(columns.latency_ms), column(columns.jitter_ms)
    loss, utilization = column(columns.loss_pct), column(columns.utilization)
    limits = (layout.max_latency, layout.max_jitter, layout.max_loss)
    sla = meets_sla(latency[..., None], jitter[..., None], loss[..., None], limits)
    meets = up[..., None] & sla
    state = np.where(has, np.where(up, UP, DOWN), NO_DATA).astype(np.int8)
    return HealthSnapshot(
        layout=layout,
        now_ms=now_ms,
        state=state,
        latency_ms=latency,
        jitter_ms=jitter,
        loss_pct=loss,
        utilization=utilization,
        ts_ms=ts,
        meets=meets,
        status=_status(layout, has, up, meets),
    )


def _status(layout: HealthLayout, has: BoolArray, up: BoolArray, meets: BoolArray) -> Int8Array:
    """The rules of the module docstring, one boolean array per clause."""
    valid = layout.valid
    critical = layout.critical
    any_data = has.any(axis=1)
    any_up = up.any(axis=1)
    crit_meets = meets[..., critical]  # (S, L, C)
    unmet = np.any(~np.any(crit_meets, axis=1), axis=1)  # a critical class met by no link
    down_or_silent = (valid & ~up).any(axis=1)
    violating = (up[..., None] & ~crit_meets).any(axis=(1, 2))
    status = np.full(len(layout.site_ids), GREEN, dtype=np.int8)
    status[down_or_silent | violating] = AMBER
    status[~any_up | unmet] = RED
    status[~any_data] = GREY
    return status
