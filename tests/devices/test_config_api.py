"""The configuration API against a real SSH CLI CPE: enrol, preview, push as a background job,
versions, rollback and drift; bad input is a 4xx naming the field; scoped users stay in scope."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.stores import open_store
from simulator.lab.cli_cpe import CliLab
from sites.inventory import Inventory
from telemetry.store.registry import open_store as open_telemetry
from tests.conftest import bearer

pytestmark = pytest.mark.slow  # a real SSH CLI CPE


@pytest.fixture
def api(tmp_path: Path, small_inventory: Inventory) -> Iterator[tuple[TestClient, CliLab, Any]]:
    settings = Settings(data_dir=tmp_path / "data", reconcile_interval_s=0,
                        devices={"drift_interval_s": 1})  # fmt: skip
    store = open_store(settings)
    store.replace_inventory(small_inventory, actor="test-setup")
    telemetry = open_telemetry("embedded", path=tmp_path / "telemetry.db")
    lab = CliLab(1, tmp_path / "lab")
    lab.start()
    cpe = lab.cpes[0]
    login = tmp_path / "login.json"
    login.touch(mode=0o600)
    login.write_text(json.dumps({"username": cpe.username, "key_file": str(cpe.key_file)}))
    # The device's own login is set on the controller's machine (CLI), not through the API.
    store.devices.enroll("HZ-0001", "127.0.0.1", 1, None, "test-setup",  # moved below
                         credentials_ref=f"file:{login}")  # fmt: skip
    scoped = bearer(store, "lhasa", Role.OPERATOR, ["br-lhasa-001"])
    try:
        with TestClient(create_app(settings, store=store, telemetry_store=telemetry),
                        headers=bearer(store, "root", Role.ADMIN)) as client:  # fmt: skip
            yield client, lab, scoped
    finally:
        lab.close()
        telemetry.close()
        store.engine.dispose()


def finished(client: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while job["state"] == "running":
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.2)
        job = client.get(f"/api/v1/config/jobs/{job['id']}").json()
    return job


def test_enrol_preview_push_versions_rollback_and_drift(
    api: tuple[TestClient, CliLab, Any],
) -> None:
    client, lab, _ = api
    cpe = lab.cpes[0]
    where = {"host": cpe.host, "port": cpe.port, "host_key": cpe.host_key}
    moved = client.put("/api/v1/devices/HZ-0001", json=where)
    assert moved.status_code == 200, moved.text
    assert [d["serial"] for d in client.get("/api/v1/devices").json()] == ["HZ-0001"]

    [preview] = client.post("/api/v1/config/preview", json={}).json()
    assert preview["serial"] == "HZ-0001" and preview["error"] is None
    assert "+ sysname br-hangzhou-001" in preview["diff"]
    started = client.post("/api/v1/config/push", json={"sites": ["br-hangzhou-001"]})
    assert started.status_code == 202, started.text
    job = finished(client, started.json())
    assert job["state"] == "done" and job["results"][0]["state"] == "pushed"
    assert job["actor"] == "root"

    [drift] = client.post("/api/v1/config/drift", json={}).json()
    assert (drift["state"], drift["version"]) == ("in-sync", 1)
    person = lab.device(cpe.port).session()  # someone at the device's console
    for line in ("system-view", "sdwan probe", "interval 5000", "return"):
        person.handle(line)
    [drift] = client.post("/api/v1/config/drift", json={}).json()
    assert drift["state"] == "drifted" and "interval 5000" in drift["diff"]
    # The drift check (every second here) raises the site's alarm, and clears it once the
    # device runs its version again (below, after the rollback).
    [alarm] = alarms(client, "config-drift", active=True)
    assert alarm["site"] == "br-hangzhou-001" and "HZ-0001" in alarm["message"]

    [v1] = client.get("/api/v1/devices/HZ-0001/versions").json()
    assert v1["version"] == 1 and v1["text"] is None
    full = client.get("/api/v1/devices/HZ-0001/versions/1").json()
    assert full["text"].startswith("#\nsysname br-hangzhou-001")
    back = client.post("/api/v1/devices/HZ-0001/rollback", json={"version": 1})
    assert back.status_code == 202
    job = finished(client, back.json())
    assert job["kind"] == "rollback" and job["state"] == "done"
    assert "interval 5000" not in lab.device(cpe.port).display()
    assert alarms(client, "config-drift", active=False)[0]["cleared_at"] is not None


def alarms(client: TestClient, kind: str, *, active: bool) -> list[dict[str, Any]]:
    """The alarms of `kind` (waiting up to 20 s for one in the state asked)."""
    deadline = time.monotonic() + 20
    while True:
        found = client.get("/api/v1/alarms", params={"kind": kind, "active": active}).json()
        if found and (active or found[0]["cleared_at"] is not None):
            return list(found)
        assert time.monotonic() < deadline, f"no {'active' if active else 'cleared'} {kind}"
        time.sleep(0.3)


def test_bad_input_and_scope(api: tuple[TestClient, CliLab, Any]) -> None:
    client, _, scoped = api
    bad_host = client.put("/api/v1/devices/HZ-0001", json={"host": "not a host!", "port": 22})
    assert bad_host.status_code == 422 and "host" in bad_host.text
    bad_key = client.put("/api/v1/devices/HZ-0001", json={"host": "10.0.0.1", "host_key": "x"})
    assert bad_key.status_code == 422 and "host_key" in bad_key.text
    assert client.put("/api/v1/devices/NOPE-1", json={"host": "10.0.0.1"}).status_code == 404
    assert client.post("/api/v1/devices/HZ-0001/rollback",
                       json={"version": 7}).status_code == 404  # fmt: skip
    assert client.get("/api/v1/config/jobs/99").status_code == 404
    assert client.post("/api/v1/config/push", json={"sites": ["x" * 65]}).status_code == 422
    # A site-scoped operator names sites of theirs, and enrols nothing.
    assert client.post("/api/v1/config/push", json={}, headers=scoped).status_code == 403
    outside = client.post("/api/v1/config/push", json={"sites": ["br-hangzhou-001"]},
                          headers=scoped)  # fmt: skip
    assert outside.status_code == 403 and "br-hangzhou-001" in outside.text
    assert client.put("/api/v1/devices/LS-0001", json={"host": "10.0.0.1"},
                      headers=scoped).status_code == 403  # fmt: skip
    mine = client.post("/api/v1/config/push", json={"sites": ["br-lhasa-001"]}, headers=scoped)
    assert mine.status_code == 202 and mine.json()["results"] == []  # none enrolled there
    # A CPE of a platform with no dialect yet: the job fails for it, and the site has an alarm.
    assert client.put("/api/v1/devices/LS-0001", json={"host": "127.0.0.1"}).status_code == 200
    job = finished(client, client.post("/api/v1/config/push",
                                       json={"sites": ["br-lhasa-001"]}).json())  # fmt: skip
    assert job["state"] == "failed" and job["results"][0]["error_kind"] == "ConfigError"
    [alarm] = alarms(client, "push-failure", active=True)
    assert alarm["site"] == "br-lhasa-001" and "cisco_ios" in alarm["message"]
