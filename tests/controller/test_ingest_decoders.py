"""Large uploads go through the controller's decoder processes: stored when valid, refused with
every bad field located when not, and the processes stop with the controller."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.stores import open_store
from sites.inventory import Inventory
from telemetry.upload_workers import OFFLOAD_BYTES
from tests.conftest import bearer


def samples(n: int, start: datetime) -> list[dict[str, Any]]:
    return [
        {"site": "br-hangzhou-001", "link": "mpls-1",
         "timestamp": (start + timedelta(seconds=i)).isoformat(), "latency_ms": 30.0 + i % 7,
         "jitter_ms": 2.0, "loss_pct": 0.0, "utilization": 0.3, "throughput_bps": 2e6,
         "up": True}
        for i in range(n)
    ]  # fmt: skip


def test_large_uploads_are_decoded_apart_and_stored_or_refused_as_ever(
    small_inventory: Inventory, tmp_path: Path
) -> None:
    config = Settings(data_dir=tmp_path, reconcile_interval_s=0, ingest_workers=1)
    store = open_store(config)
    store.replace_inventory(small_inventory, actor="test-setup")
    app = create_app(config, store=store)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    good = samples(3_000, start)
    bad = samples(3_000, start)
    bad[123]["loss_pct"] = 101
    bad[456]["up"] = 2
    with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:
        answer = api.post("/api/v1/telemetry", json={"samples": good})
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"] == 3_000
        assert len(answer.request.content) >= OFFLOAD_BYTES  # large enough to go apart
        assert len(multiprocessing.active_children()) == 1
        refused = api.post("/api/v1/telemetry", json={"samples": bad})
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == [
            "body.samples[123].loss_pct",
            "body.samples[456].up",
        ]
        newest = app.state.telemetry.latest(now=start + timedelta(seconds=3_000))
        assert (newest.site, newest.link) == (("br-hangzhou-001",), ("mpls-1",))
        assert newest.latency_ms.tolist() == [30.0 + 2_999 % 7]  # the last of them
    assert multiprocessing.active_children() == []
    store.engine.dispose()
