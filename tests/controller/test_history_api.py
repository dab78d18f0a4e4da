"""Day views through the API: a site's link metrics per window, the busiest applications,
each application's share of time within SLA, and site-to-hub quality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.auth.principal import Role
from controller.store.facade import Store
from tests.conftest import bearer


def sample(link: str, at: datetime, app: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"site": "br-hangzhou-001", "link": link, "app": app, "timestamp": at.isoformat(),
            "latency_ms": 30.0, "jitter_ms": 2.0, "loss_pct": 0.0, "utilization": 0.3,
            "throughput_bps": 2e6, "up": True} | extra  # fmt: skip


def test_history_top_apps_sla_share_and_hub_paths(app: FastAPI, store: Store) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    wall = datetime.now(UTC)
    # Day views average 5-minute windows aligned to the epoch: align the run to one.
    now = wall.replace(minute=wall.minute - wall.minute % 5, second=0, microsecond=0)
    samples = []
    for minutes in range(30, 0, -1):
        at = now - timedelta(minutes=minutes)
        samples += [
            sample("mpls-1", at),
            sample("inet-1", at, latency_ms=45.0),
            sample("mpls-1", at, app="o32-trading", throughput_bps=3e5,
                   latency_ms=200.0 if minutes <= 5 else 30.0),  # the last window too slow
            sample("mpls-1", at, app="office-web", throughput_bps=6e6),
        ]  # fmt: skip
    assert api.post("/api/v1/telemetry", json={"samples": samples}).status_code == 202

    series = api.get("/api/v1/sites/br-hangzhou-001/history", params={"period": "day"}).json()
    links = {(s["link"], s["app"]): s["windows"] for s in series}
    assert set(links) == {("mpls-1", None), ("inet-1", None), ("mpls-1", "o32-trading"),
                          ("mpls-1", "office-web")}  # fmt: skip
    assert sum(w["samples"] for w in links[("inet-1", None)]) == 30
    assert {w["latency_ms"] for w in links[("inet-1", None)]} == {45.0}

    top = api.get("/api/v1/applications-top", params={"period": "day", "n": 1}).json()
    assert [t["app"] for t in top] == ["office-web"]

    shares = {a["app"]: a for a in api.get("/api/v1/applications-sla").json()}
    assert shares["o32-trading"]["within_share"] == pytest.approx(25 / 30)
    assert shares["office-web"]["within_share"] == 1.0

    app.state.monitor.tick(now)
    [hz] = [h for h in api.get("/api/v1/health/hub-paths").json() if h["site"] == "br-hangzhou-001"]
    assert hz["hubs"] == ["dc-shanghai"]
    assert hz["status"] == "green"

    lhasa = TestClient(app, headers=bearer(store, "ls", Role.VIEWER, ["br-lhasa-001"]))
    assert lhasa.get("/api/v1/sites/br-hangzhou-001/history").status_code == 403
    assert lhasa.get("/api/v1/applications-top").status_code == 403
    assert lhasa.get("/api/v1/applications-sla").status_code == 403
    assert api.get("/api/v1/sites/br-x/history").status_code == 404
    assert api.get("/api/v1/applications-top", params={"period": "year"}).status_code == 422
