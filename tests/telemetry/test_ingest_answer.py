"""A 202 says what it guarantees: "committed" when the samples are on disk before the answer
(the embedded store), "queued" when they wait in memory on their way to InfluxDB."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from tests.conftest import bearer
from tests.telemetry.conftest import OpenStore


def test_the_answer_says_whether_the_samples_are_on_disk(
    open_backend: OpenStore, store: Store, small_inventory: Inventory
) -> None:
    telemetry = open_backend()
    store.replace_inventory(small_inventory, actor="test-setup")
    app = create_app(Settings(reconcile_interval_s=0), store=store, telemetry_store=telemetry)
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    now = datetime.now(UTC).isoformat()
    sample = {"site": "br-hangzhou-001", "link": "mpls-1", "timestamp": now,
              "latency_ms": 30.0, "jitter_ms": 2.0, "loss_pct": 0.0, "utilization": 0.3,
              "throughput_bps": 2e6, "up": True}  # fmt: skip
    answer = api.post("/api/v1/telemetry", json={"samples": [sample]})
    assert answer.status_code == 202
    assert answer.json()["accepted"] == 1
    assert answer.json()["stored"] == ("committed" if telemetry.durable else "queued")
    assert telemetry.durable is (type(telemetry).__name__ == "EmbeddedStore")
