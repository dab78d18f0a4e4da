"""Per-app SLA share, traffic ranking and day/week/month views, read from the embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sites.inventory import Inventory
from telemetry.health import (
    HealthLayout,
    Period,
    app_sla_history,
    history,
    sla_share,
    top_applications,
    top_apps_history,
)
from telemetry.store import Selector, TelemetryStore, open_store
from tests.telemetry.health.builders import T0, Row, at, batch

SPOKE = "br-xiaogan-001"
MINUTES = 10


@pytest.fixture
def store(tmp_path: Path, network_12: Inventory) -> Iterator[TelemetryStore]:
    """Ten minutes of samples every 10 s, starting on a whole hour: o32-trading out of SLA for
    the first 3 minutes (latency 150 ms > 80), market-data always within; link rows too."""
    store = open_store(
        "embedded", path=tmp_path / "t.db", clock=lambda: (at(MINUTES * 60)).timestamp()
    )
    start = T0.replace(minute=0)
    for step in range(MINUTES * 6):
        moment = start + timedelta(seconds=10 * step)
        slow = step < 18
        rows = [
            Row(SPOKE, "mpls-1"),
            Row(SPOKE, "mpls-1", app="o32-trading", latency_ms=150.0 if slow else 20.0),
            Row(SPOKE, "mpls-1", app="market-data", throughput_bps=2e6),
            Row("br-foshan-001", "inet-1", app="o32-trading", throughput_bps=5e5),
        ]
        store.write(batch(rows, moment))
    yield store
    store.close()


def test_share_of_time_within_sla(store: TelemetryStore, network_12: Inventory) -> None:
    layout = HealthLayout.from_inventory(network_12)
    start = T0.replace(minute=0)
    windows = store.query(Selector(site=SPOKE), start, start + timedelta(minutes=MINUTES), ONE_MIN)
    shares = sla_share(windows, layout)
    assert set(shares) == {"o32-trading", "market-data"}  # link rows are not an app
    assert shares["o32-trading"].within_share == pytest.approx(0.7)
    assert shares["o32-trading"].sla_class == "trading"
    assert shares["o32-trading"].samples == MINUTES * 6
    assert shares["market-data"].within_share == 1.0


def test_top_applications_by_bytes(store: TelemetryStore) -> None:
    start = T0.replace(minute=0)
    windows = store.query(Selector(), start, start + timedelta(minutes=MINUTES), ONE_MIN)
    top = top_applications(windows, 60.0)
    # market-data: 2 Mbit/s for 600 s; o32-trading: 1 Mbit/s + 0.5 Mbit/s at two sites.
    assert [t.app for t in top] == ["market-data", "o32-trading"]
    assert top[0].bytes == pytest.approx(2e6 * 600 / 8)
    assert top[0].mean_bps == pytest.approx(2e6)
    assert top[1].bytes == pytest.approx(1.5e6 * 600 / 8)
    assert top_applications(windows, 60.0, n=1) == top[:1]


def test_day_week_month_windows(store: TelemetryStore, network_12: Inventory) -> None:
    now = T0.replace(minute=0) + timedelta(minutes=MINUTES)
    day = history(store, Selector(site=SPOKE, link="mpls-1", app=""), Period.DAY, now)
    assert len(day) == 2  # two 5-minute windows hold the ten minutes
    assert (day.ts_ms % 300_000 == 0).all()
    assert list(day.count) == [30, 30]
    week = history(store, Selector(site=SPOKE, link="mpls-1", app=""), Period.WEEK, now)
    assert list(week.count) == [60]
    month = history(store, Selector(site=SPOKE, link="mpls-1", app=""), Period.MONTH, now)
    assert list(month.count) == [60] and month.ts_ms[0] % 86_400_000 == 0
    layout = HealthLayout.from_inventory(network_12)
    # A 5-minute mean of trading latency: (18 x 150 + 12 x 20) / 30 = 98 ms in the first window.
    shares = app_sla_history(store, layout, Period.DAY, now, site=SPOKE)
    assert shares["o32-trading"].within_share == pytest.approx(0.5)
    top = top_apps_history(store, Period.DAY, now, n=5)
    assert [t.app for t in top] == ["market-data", "o32-trading"]


ONE_MIN = timedelta(minutes=1)
