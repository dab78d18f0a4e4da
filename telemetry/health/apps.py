"""Per-application views over a time range: share of time within SLA, and traffic ranking.

Both take a `WindowBatch` (what `TelemetryStore.query` returns with a window) and are pure;
`telemetry.health.history` has the helpers that read one from a store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from policies.sla import meets_sla
from telemetry.batch import LINK_LEVEL, WindowBatch
from telemetry.health.layout import HealthLayout

BITS_PER_BYTE = 8


@dataclass(frozen=True, slots=True)
class AppSla:
    """How much of an application's measured time met its SLA class."""

    app: str
    sla_class: str
    within_share: float  # 0..1: samples in windows that met the class / all samples
    samples: int


@dataclass(frozen=True, slots=True)
class AppTraffic:
    """An application's traffic over a range: bytes carried and the mean rate."""

    app: str
    bytes: float
    mean_bps: float


def sla_share(windows: WindowBatch, layout: HealthLayout) -> dict[str, AppSla]:
    """{app: share of its samples within SLA} over every site and link in `windows`.

    A window counts as within SLA when its mean latency, jitter and loss each meet the app's
    class (a down sample reports 100 % loss, so outages pull the mean out of SLA). Each window
    weighs by its sample count, so the share is "of the time measured". Link-level rows and
    applications unknown to the inventory are ignored; apps with no samples are absent.
    """
    known = np.fromiter(
        (layout.app_class.get(a, -1) if a != LINK_LEVEL else -1 for a in windows.app),
        dtype=np.intp,
        count=len(windows),
    )
    rows = np.flatnonzero(known >= 0)
    cls = known[rows]
    limits = (layout.max_latency[cls], layout.max_jitter[cls], layout.max_loss[cls])
    w = windows
    ok = meets_sla(w.latency_ms[rows], w.jitter_ms[rows], w.loss_pct[rows], limits)
    counts = windows.count[rows]
    result: dict[str, AppSla] = {}
    apps = [windows.app[i] for i in rows]
    for app in sorted(set(apps)):
        mine = np.fromiter((a == app for a in apps), dtype=np.bool_, count=len(apps))
        total = int(counts[mine].sum())
        within = int(counts[mine & ok].sum())
        result[app] = AppSla(
            app=app,
            sla_class=layout.class_names[layout.app_class[app]],
            within_share=within / total if total else 0.0,
            samples=total,
        )
    return result


def top_applications(windows: WindowBatch, window_s: float, n: int = 10) -> list[AppTraffic]:
    """The `n` applications that carried the most bytes, most first (ties by name).

    Each window contributes its mean throughput times `window_s` (the window length the batch
    was queried with); a window without samples contributes nothing. `mean_bps` spreads the
    bytes over the span from the first window to the end of the last one.
    """
    totals: dict[str, float] = {}
    apps = windows.app
    bits = windows.throughput_bps * window_s
    for i, app in enumerate(apps):
        if app != LINK_LEVEL:
            totals[app] = totals.get(app, 0.0) + float(bits[i])
    if len(windows):
        span_s = (int(windows.ts_ms.max()) - int(windows.ts_ms.min())) / 1000 + window_s
    else:
        span_s = window_s
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:n]
    return [AppTraffic(app, bits_ / BITS_PER_BYTE, bits_ / span_s) for app, bits_ in ranked]
