"""Day, week and month views: thin helpers over `TelemetryStore.query` with a window.

The windows match the embedded store's rollups (docs/telemetry.md), so a month reads hourly
rollups rather than raw samples: day = 24 h in 5-minute windows (288 points per series),
week = 7 days in 1-hour windows (168), month = 30 days in 1-day windows (30).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from telemetry.batch import WindowBatch
from telemetry.health.apps import AppSla, AppTraffic, sla_share, top_applications
from telemetry.health.layout import HealthLayout
from telemetry.store.base import ALL, Selector, TelemetryStore


class Period(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


PERIODS: dict[Period, tuple[timedelta, timedelta]] = {
    Period.HOUR: (timedelta(hours=1), timedelta(minutes=1)),
    Period.DAY: (timedelta(days=1), timedelta(minutes=5)),
    Period.WEEK: (timedelta(days=7), timedelta(hours=1)),
    Period.MONTH: (timedelta(days=30), timedelta(days=1)),
}
"""Period -> (span, window)."""


def history(store: TelemetryStore, select: Selector, period: Period, now: datetime) -> WindowBatch:
    """Means per window over the period ending at `now` (windows aligned to the epoch)."""
    span, window = PERIODS[period]
    return store.query(select, now - span, now, window)


def app_sla_history(
    store: TelemetryStore,
    layout: HealthLayout,
    period: Period,
    now: datetime,
    site: str | None = None,
) -> dict[str, AppSla]:
    """Per application, the share of the period within SLA (of one site, or the network)."""
    return sla_share(history(store, Selector(site=site), period, now), layout)


def top_apps_history(
    store: TelemetryStore,
    period: Period,
    now: datetime,
    select: Selector = ALL,
    n: int = 10,
) -> list[AppTraffic]:
    """The `n` applications with the most traffic over the period."""
    window = PERIODS[period][1]
    return top_applications(history(store, select, period, now), window.total_seconds(), n)
