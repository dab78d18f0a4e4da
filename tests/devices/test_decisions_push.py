"""Decisions reach the devices: an application the reconcile loop moves is pushed to the site's
enrolled CPE (a real SSH CLI CPE), as a recorded job and a new configuration version."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.config_store import DeviceState
from controller.store.facade import Store
from controller.stores import open_store
from simulator.lab.cli_cpe import CliLab
from sites.inventory import Inventory
from telemetry.store.registry import open_store as open_telemetry
from tests.conftest import bearer
from tests.controller.test_decisions_api import hangzhou

pytestmark = pytest.mark.slow  # a real SSH CLI CPE, the controller's loops in real time


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[CliLab]:
    lab = CliLab(1, tmp_path / "lab")
    lab.start()
    try:
        yield lab
    finally:
        lab.close()


def wait_for(
    what: str, check: Callable[[], bool], feed: Callable[[], None], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s:g} s"
        feed()
        time.sleep(0.5)


def test_a_path_change_by_the_reconcile_loop_reaches_the_cpe(
    tmp_path: Path, lab: CliLab, small_inventory: Inventory
) -> None:
    settings = Settings(
        data_dir=tmp_path, reconcile_interval_s=1,
        devices={"coalesce_s": 0.5, "confirm_timeout_s": 10, "timeout_s": 15},
    )  # fmt: skip
    store: Store = open_store(settings)
    telemetry = open_telemetry("embedded", path=tmp_path / "telemetry.db")
    store.replace_inventory(small_inventory, actor="test-setup")
    cpe = lab.cpes[0]
    login = tmp_path / "login.json"
    login.touch(mode=0o600)
    login.write_text(json.dumps({"username": cpe.username, "key_file": str(cpe.key_file)}))
    store.devices.enroll("HZ-0001", cpe.host, cpe.port, cpe.host_key, "test-setup",
                         credentials_ref=f"file:{login}")  # fmt: skip
    device = lab.device(cpe.port)
    app = create_app(settings, store=store, telemetry_store=telemetry)
    try:
        with TestClient(app, headers=bearer(store, "root", Role.ADMIN)) as api:

            def report(mpls: float) -> Callable[[], None]:
                def send() -> None:
                    samples = hangzhou(datetime.now(UTC), mpls=mpls)
                    answer = api.post("/api/v1/telemetry", json={"samples": samples})
                    assert answer.status_code == 202, answer.text

                return send

            def office_web() -> str:
                return _section(device.display(), "sdwan application office-web")

            # The first placement puts every application on a link: the whole configuration.
            wait_for("the first placement on the device", lambda: " link mpls-1" in office_web(),
                     report(0.40), 30)  # fmt: skip
            # The MPLS link above 70 %: the loop offloads office-web to the Internet link.
            wait_for("office-web moved on the device", lambda: " link inet-1" in office_web(),
                     report(0.80), 30)  # fmt: skip
            moves = api.get("/api/v1/path-changes", params={"app": "office-web"}).json()
            assert moves["items"][0]["to_link"] == "inet-1"
    finally:
        telemetry.close()
    jobs = store.configs.jobs(10)
    assert {j.kind for j in jobs} == {"decisions"}
    last = store.configs.job(jobs[0].id)
    [result] = last.results
    assert result.state is DeviceState.PUSHED
    assert "+ link inet-1" in result.diff and "- link mpls-1" in result.diff
    versions = store.configs.history("HZ-0001")
    assert versions[0].text.strip() == device.display().strip()  # what it runs is recorded
    assert len(versions) >= 2
    store.engine.dispose()


def _section(display: str, head: str) -> str:
    """The section `head` of a configuration as shown ("" while it is not there)."""
    lines = display.splitlines()
    if head not in lines:
        return ""
    start = lines.index(head)
    end = lines.index("#", start) if "#" in lines[start:] else len(lines)
    return "\n".join(lines[start:end])
