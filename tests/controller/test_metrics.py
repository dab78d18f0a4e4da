"""`GET /metrics` and the loops it watches: the figures move when ticks, telemetry and requests
happen, and a slow reconcile tick neither holds up the monitor nor goes unnoticed."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from controller.app import create_app
from controller.auth.principal import Role
from controller.metrics import Metrics
from controller.reconcile.loop import run_forever
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from tests.conftest import bearer


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def test_samples_and_requests_are_counted(store: Store, small_inventory: Inventory) -> None:
    store.replace_inventory(small_inventory, "test-setup")
    app = create_app(Settings(reconcile_interval_s=0), store=store)
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:
        now = datetime.now(UTC)
        sample = {"site": "br-hangzhou-001", "link": "mpls-1", "latency_ms": 30.0,
                  "jitter_ms": 2.0, "loss_pct": 0.0, "utilization": 0.3,
                  "throughput_bps": 1e6, "up": True}  # fmt: skip
        samples = [sample | {"timestamp": now.isoformat()},
                   sample | {"timestamp": (now - timedelta(days=2)).isoformat()}]  # fmt: skip
        assert api.post("/api/v1/telemetry", json={"samples": samples}).status_code == 202
        api.get("/api/v1/sites/br-hangzhou-001")
        seen = scrape(TestClient(app))  # no token needed
    assert seen[("branchline_samples_total", (("outcome", "stored"),))] == 1
    assert seen[("branchline_samples_total", (("outcome", "too_old"),))] == 1
    site_route = (("method", "GET"), ("route", "/api/v1/sites/{site_id}"))
    assert seen[("branchline_request_seconds_count", site_route)] == 1  # by template


def test_a_slow_tick_is_counted_and_logged_and_the_other_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    release = threading.Event()
    monitored: list[datetime] = []

    def counted(name: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"loop": "reconcile"})

    def slow(_: datetime) -> None:
        release.wait(timeout=30)

    async def main() -> None:
        loops = [
            asyncio.create_task(run_forever([("reconcile", slow)], 0.05, metrics)),
            asyncio.create_task(run_forever([("monitor", monitored.append)], 0.05, metrics)),
        ]
        while len(monitored) < 5:  # the monitor ticks while reconcile is stuck in its tick
            await asyncio.sleep(0.01)
        release.set()
        while not counted("branchline_tick_overruns_total"):
            await asyncio.sleep(0.01)
        for loop in loops:
            loop.cancel()

    with caplog.at_level(logging.WARNING, logger="branchline.loop"):
        asyncio.run(asyncio.wait_for(main(), timeout=60))
    assert (counted("branchline_ticks_skipped_total") or 0) >= 1
    assert any("reconcile tick took" in r.getMessage() for r in caplog.records)


def test_requests_in_flight_and_pending_notifications_are_gauges(
    store: Store, small_inventory: Inventory
) -> None:
    store.replace_inventory(small_inventory, "test-setup")
    app = create_app(Settings(reconcile_interval_s=0), store=store)
    with TestClient(app) as api:
        seen = scrape(api)
    assert seen[("branchline_requests_in_flight", ())] == 1  # the scrape itself
    assert seen[("branchline_notifications_pending", ())] == 0
    assert seen[("branchline_telemetry_spooled_payloads", ())] == 0  # the embedded store
