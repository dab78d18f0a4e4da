"""No route gives a site-scoped user another site's data. The routes come from the OpenAPI
schema, so a route added later is checked without being listed here: each GET route is called
by a viewer scoped to one branch, once naming the other branch where the route takes a site, and
its answer must be a refusal or must not mention the other branch at all."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from tests.conftest import bearer

MINE, OTHER = "br-lhasa-001", "br-hangzhou-001"


def _samples(at: datetime) -> list[dict[str, Any]]:
    links = {MINE: ("inet-1", "lte-1"), OTHER: ("mpls-1", "inet-1")}
    return [
        {"site": site, "link": link, "timestamp": at.isoformat(), "latency_ms": 30.0,
         "jitter_ms": 2.0, "loss_pct": 100.0 if link == "inet-1" else 0.0,
         "utilization": 0.3, "throughput_bps": 1e6, "up": link != "inet-1"}
        for site, pair in links.items() for link in pair
    ]  # fmt: skip


def test_no_get_route_shows_a_scoped_viewer_another_sites_data(
    store: Store, tmp_path: Path, small_inventory: Inventory
) -> None:
    store.replace_inventory(small_inventory, "test-setup")
    app = create_app(Settings(data_dir=tmp_path, reconcile_interval_s=0), store=store)
    admin = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    scoped = TestClient(app, headers=bearer(store, "ls", Role.VIEWER, [MINE]))
    with admin:
        now = datetime.now(UTC)
        assert admin.post("/api/v1/telemetry", json={"samples": _samples(now)}).status_code == 202
        app.state.telemetry.flush()
        app.state.reconciler.step(now)
        app.state.monitor.tick(now)  # both sites get paths, health and a link-down alarm
        assert OTHER in admin.get("/api/v1/alarms").text  # there is something to leak
        leaks, checked = {}, 0
        for template, operations in admin.get("/openapi.json").json()["paths"].items():
            if "get" not in operations:
                continue
            url = template.replace("{site_id}", OTHER)
            url = re.sub(r"\{[^}]+\}", "1", url)
            answer = scoped.get(url)
            checked += 1
            if answer.status_code < 400 and OTHER in answer.text:
                leaks[template] = answer.status_code
        # The POST routes that only read: what they answer is site data too.
        for url in ("/api/v1/policies/default/preview", "/api/v1/policies/class:B/preview"):
            answer = scoped.post(url, json={"policy": {}})
            checked += 1
            if answer.status_code < 400 and OTHER in answer.text:
                leaks[url] = answer.status_code
    assert checked > 30
    assert leaks == {}
