"""One current inventory for every reader: after a write, the reconciler, the monitor, the
map, telemetry admission and the syslog lookup together export the inventory once, and the
monitor and the map share one health layout."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from controller.auth.principal import Role
from controller.monitor.device_logs import LiveLookup
from controller.store.facade import Store
from telemetry.health import HealthLayout
from tests.conftest import bearer


def exports(store: Store) -> list[str]:
    """Records every read of the whole site table (what an export does)."""
    seen: list[str] = []

    def statement(_conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        if "FROM sites ORDER BY" in sql:
            seen.append(sql)

    event.listen(store.engine, "before_cursor_execute", statement)
    return seen


def test_every_reader_shares_one_export_per_write(app: FastAPI, store: Store) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    site = store.sites.get("br-hangzhou-001")
    renamed = site.value.model_copy(update={"name": "Hangzhou (new office)"})
    seen = exports(store)
    store.sites.replace("br-hangzhou-001", renamed, site.revision, actor="test")

    now = datetime.now(UTC)
    app.state.reconciler.step(now)
    app.state.monitor.tick(now)
    assert api.get("/map/status.json").status_code == 200
    sample = {"site": "br-hangzhou-001", "link": "mpls-1", "timestamp": now.isoformat(),
              "latency_ms": 30.0, "jitter_ms": 2.0, "loss_pct": 0.0, "utilization": 0.3,
              "throughput_bps": 2e6, "up": True}  # fmt: skip
    assert api.post("/api/v1/telemetry", json={"samples": [sample]}).status_code == 202
    assert LiveLookup(store, check_s=0)("cpe-x", "192.0.2.1") is None
    assert len(seen) == 1

    current = store.current
    names = {s.id: s.name for s in current.inventory().sites}
    assert names["br-hangzhou-001"] == "Hangzhou (new office)"
    monitor_layout = app.state.monitor.layout()
    assert current.derive(HealthLayout.from_inventory) is monitor_layout


def test_writes_beside_the_network_do_not_make_readers_export_it_again(
    app: FastAPI, store: Store
) -> None:
    """A token made, a user added, a site invited, a device enrolled: audited, but the network
    is as it was, so every reader keeps the copy it has. A write of the network still shows."""
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    before = store.current.get()
    seen = exports(store)
    store.users.add("noc", Role.OPERATOR, ["br-hangzhou-001"], actor="test")
    store.users.create_token("noc", "laptop", actor="test")
    store.users.device_token("HZ-0001", "br-hangzhou-001", actor="test")
    store.ztp.plan("br-hangzhou-001", "test")
    store.ztp.note("br-hangzhou-001", "call-home refused", "a test", "test")
    store.devices.enroll("HZ-0001", "127.0.0.1", 22, "ssh-ed25519 AAAA", "test")
    assert store.current.get() is before  # the same copy: nothing exported
    assert api.get("/map/status.json").status_code == 200
    assert seen == []
    audited = api.get("/api/v1/audit", params={"limit": 50}).json()
    entries = audited["items"] if isinstance(audited, dict) else audited
    assert {e["resource"].split("/")[0] for e in entries} >= {"users", "tokens", "ztp", "devices"}
    site = store.sites.get("br-hangzhou-001")
    store.sites.replace("br-hangzhou-001", site.value.model_copy(update={"name": "HZ"}),
                        site.revision, actor="test")  # fmt: skip
    assert store.current.generation() > before[0]
    assert {s.id: s.name for s in store.current.inventory().sites}["br-hangzhou-001"] == "HZ"
