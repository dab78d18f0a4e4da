"""Health and alarms through the API: samples in, the monitor ticks, colours and alarms out;
an alarm e-mail reaches a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.monitor.service import Monitor
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from telemetry.store.base import TelemetryStore
from telemetry.store.registry import open_store as open_telemetry
from tests.components import free_port, missing
from tests.conftest import bearer

# Recent, on a whole hour: the embedded telemetry store keeps raw samples for 6 h of
# wall-clock time and drops older ones at ingest.
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        missing("aiosmtpd", "make test installs it (the test extra)")
    inbox = Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    yield port, inbox
    server.stop()


@pytest.fixture
def telemetry(tmp_path: Path) -> Iterator[TelemetryStore]:
    store = open_telemetry("embedded", path=tmp_path / "telemetry.db")
    yield store
    store.close()


@pytest.fixture
def app(
    store: Store, telemetry: TelemetryStore, small_inventory: Inventory, smtp: tuple[int, Inbox]
) -> FastAPI:
    store.replace_inventory(small_inventory, actor="test-setup")
    settings = Settings(
        reconcile_interval_s=0,
        alarms={
            "email_host": "127.0.0.1",
            "email_port": smtp[0],
            "email_sender": "branchline@example.test",
            "email_recipients": "noc@example.test",
        },
    )
    return create_app(settings, store=store, telemetry_store=telemetry)


def sample(link: str, at: datetime, up: bool) -> dict[str, Any]:
    return {"site": "br-hangzhou-001", "link": link, "timestamp": at.isoformat(),
            "latency_ms": 30.0, "jitter_ms": 2.0, "loss_pct": 0.0 if up else 100.0,
            "utilization": 0.2, "throughput_bps": 1e6, "up": up}  # fmt: skip


def tick(app: FastAPI, at: datetime) -> None:
    monitor: Monitor = app.state.monitor
    monitor.tick(at)


def test_a_link_down_colours_the_site_and_mails_one_alarm(
    app: FastAPI, store: Store, smtp: tuple[int, Inbox]
) -> None:
    api = TestClient(app, headers=bearer(store, "root", Role.ADMIN))
    before = api.get("/api/v1/health/sites").json()  # before the first tick: scored on demand
    assert before["counts"]["grey"] == 3
    ok = [sample("mpls-1", T0, True), sample("inet-1", T0, True)]
    assert api.post("/api/v1/telemetry", json={"samples": ok}).status_code == 202
    tick(app, T0 + timedelta(seconds=1))
    summary = api.get("/api/v1/health/sites").json()
    statuses = {i["site"]: i["status"] for i in summary["items"]}
    assert statuses == {"dc-shanghai": "grey", "br-hangzhou-001": "green", "br-lhasa-001": "grey"}
    assert api.get("/api/v1/alarms").json() == []

    down = [sample("mpls-1", T0 + timedelta(seconds=2), False),
            sample("inet-1", T0 + timedelta(seconds=2), True)]  # fmt: skip
    api.post("/api/v1/telemetry", json={"samples": down})
    tick(app, T0 + timedelta(seconds=3))
    site = api.get("/api/v1/sites/br-hangzhou-001/health").json()
    assert site["status"] == "amber"
    assert {k["link"]: k["state"] for k in site["links"]} == {"mpls-1": "down", "inet-1": "up"}
    [alarm] = api.get("/api/v1/alarms").json()
    assert (alarm["kind"], alarm["site"], alarm["link"]) == (
        "link-down",
        "br-hangzhou-001",
        "mpls-1",
    )
    tick(app, T0 + timedelta(seconds=4))  # still down: no second alarm, no second mail

    _, inbox = smtp
    deadline = time.monotonic() + 10
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(inbox.messages) == 1
    assert b"mpls-1" in inbox.messages[0]
    assert len(api.get("/api/v1/alarms").json()) == 1

    acked = api.post(f"/api/v1/alarms/{alarm['id']}/acknowledge").json()
    assert acked["acknowledged_by"] == "root"
    assert api.post("/api/v1/alarms/999/acknowledge").status_code == 404


def test_scoped_viewers_see_only_their_sites(app: FastAPI, store: Store) -> None:
    tick(app, T0)
    lhasa = TestClient(app, headers=bearer(store, "ls", Role.VIEWER, ["br-lhasa-001"]))
    summary = lhasa.get("/api/v1/health/sites").json()
    assert [i["site"] for i in summary["items"]] == ["br-lhasa-001"]
    assert summary["counts"]["grey"] == 1
    assert lhasa.get("/api/v1/sites/br-hangzhou-001/health").status_code == 403
    assert lhasa.get("/api/v1/sites/br-lhasa-001/health").json()["status"] == "grey"
    viewer = TestClient(app, headers=bearer(store, "v", Role.VIEWER))
    assert viewer.post("/api/v1/alarms/1/acknowledge").status_code == 403
