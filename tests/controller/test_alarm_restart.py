"""Alarms outlive the controller: after a restart on the same database an active, acknowledged
alarm is still there, still acknowledged, and the next tick neither raises nor mails it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.monitor.service import Monitor
from controller.settings import Settings
from controller.store.facade import Store
from controller.stores import open_store
from sites.inventory import Inventory
from telemetry.alarms import AlarmEvent
from telemetry.store.base import TelemetryStore
from tests.conftest import bearer
from tests.controller.test_monitoring_api import T0, Inbox, sample, smtp, telemetry

__all__ = ["smtp", "telemetry"]  # fixtures shared with test_monitoring_api


@pytest.fixture
def config(smtp: tuple[int, Inbox]) -> Settings:
    """The controller's settings (the database is handed in): alarms mailed to `smtp`."""
    return Settings(
        reconcile_interval_s=0,
        alarms={
            "email_host": "127.0.0.1",
            "email_port": smtp[0],
            "email_sender": "branchline@example.test",
            "email_recipients": "noc@example.test",
        },
    )


def post_and_tick(app: FastAPI, api: TestClient, seconds: int, mpls_up: bool) -> list[AlarmEvent]:
    """Samples of br-hangzhou-001's two links at T0 + `seconds`, then a tick a second later."""
    at = T0 + timedelta(seconds=seconds)
    samples = [sample("mpls-1", at, mpls_up), sample("inet-1", at, True)]
    assert api.post("/api/v1/telemetry", json={"samples": samples}).status_code == 202
    monitor: Monitor = app.state.monitor
    return monitor.tick(at + timedelta(seconds=1))


@pytest.fixture
def first(
    store: Store, telemetry: TelemetryStore, small_inventory: Inventory, config: Settings
) -> FastAPI:
    """The controller before the restart, over the small inventory."""
    store.replace_inventory(small_inventory, actor="test-setup")
    return create_app(config, store=store, telemetry_store=telemetry)


def test_an_acknowledged_alarm_survives_a_restart(
    first: FastAPI, store: Store, settings: Settings, config: Settings, smtp: tuple[int, Inbox]
) -> None:
    headers = bearer(store, "root", Role.ADMIN)
    api = TestClient(first, headers=headers)
    post_and_tick(first, api, 0, mpls_up=True)
    assert len(post_and_tick(first, api, 2, mpls_up=False)) == 1
    [alarm] = api.get("/api/v1/alarms").json()
    acked = api.post(f"/api/v1/alarms/{alarm['id']}/acknowledge").json()
    assert acked["acknowledged_by"] == "root"
    _, inbox = smtp
    assert len(inbox.messages) == 1  # sent during the tick: SMTP answers once it has the mail

    restarted = open_store(settings)  # a new engine on the same database, a new app and monitor
    try:
        second = create_app(config, store=restarted, telemetry_store=first.state.telemetry)
        api = TestClient(second, headers=headers)
        assert api.get("/api/v1/alarms").json() == [acked]
        assert post_and_tick(second, api, 4, mpls_up=False) == []  # still down: adopted
        assert api.get("/api/v1/alarms").json() == [acked]
        assert len(inbox.messages) == 1

        assert len(post_and_tick(second, api, 6, mpls_up=True)) == 1  # and it clears as before
        assert api.get("/api/v1/alarms").json() == []
        [history] = api.get("/api/v1/alarms", params={"active": False}).json()
        assert (history["id"], history["acknowledged_by"]) == (acked["id"], "root")
        assert history["cleared_at"] is not None
    finally:
        restarted.engine.dispose()
