"""Push jobs as the controller records them, against real emulated CPEs: versions, rollback,
drift, previews, host keys learned at first contact, and a controller killed between a
device's commit and its confirm (the device reverts; the job is marked at the next start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.configs.deploy import Deployer, DriftState
from controller.devices.base import Endpoint
from controller.devices.registry import open_driver
from controller.settings import Settings
from controller.store.config_store import INTERRUPTED_COMMITTED, DeviceState, JobState
from controller.store.facade import Store
from controller.stores import open_store
from simulator.lab.cli_cpe import CliLab
from simulator.lab.common import LabCpe
from sites.config.render import compare
from sites.enums import Platform
from sites.inventory import Inventory
from telemetry.store.registry import open_store as open_telemetry
from tests.devices.conftest import Pool, endpoint

pytestmark = pytest.mark.slow  # real SSH CLI and NETCONF CPEs


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", reconcile_interval_s=0,
                    devices={"confirm_timeout_s": 30, "timeout_s": 15})  # fmt: skip


@pytest.fixture
def store(settings: Settings, small_inventory: Inventory) -> Iterator[Store]:
    opened = open_store(settings)
    opened.replace_inventory(small_inventory, actor="test-setup")
    yield opened
    opened.engine.dispose()


@pytest.fixture
def cli_cpe(tmp_path: Path) -> Iterator[LabCpe]:
    lab = CliLab(1, tmp_path / "lab")
    lab.start()
    try:
        yield lab.cpes[0]
    finally:
        lab.close()


def login(cpe: LabCpe, directory: Path) -> str:
    path = directory / f"login-{cpe.port}.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps({"username": cpe.username, "key_file": str(cpe.key_file)}))
    return f"file:{path}"


def test_versions_drift_and_rollback_on_a_cli_cpe(
    store: Store, settings: Settings, cli_cpe: LabCpe, tmp_path: Path
) -> None:
    # Enrolled with no host key: it is learned at first contact, then pinned.
    store.devices.enroll("HZ-0001", cli_cpe.host, cli_cpe.port, None, "test-setup",
                         credentials_ref=login(cli_cpe, tmp_path))  # fmt: skip
    deployer = Deployer(store, settings)
    plan = deployer.plan()
    assert [t.device for t in plan.targets] == ["HZ-0001"]
    assert set(plan.not_enrolled) == {"HUB-0001", "HUB-0002"}  # LS-0001: cisco_ios, no dialect
    [preview] = deployer.preview(plan)
    assert "+ sysname br-hangzhou-001" in preview.diff
    assert deployer.drift()[0].state is DriftState.NO_VERSION

    first = deployer.push(plan, kind="operator", actor="tester", reason="first")
    assert first.state is JobState.DONE
    assert [r.state for r in first.results] == [DeviceState.PUSHED]
    assert store.devices.get("HZ-0001").host_key == cli_cpe.host_key  # type: ignore[union-attr]
    assert deployer.drift()[0].state is DriftState.IN_SYNC
    again = deployer.push(deployer.plan(), kind="operator", actor="tester", reason="again")
    assert [r.state for r in again.results] == [DeviceState.UNCHANGED]
    assert [v.version for v in store.configs.history("HZ-0001")] == [1]  # nothing new

    moved = Settings(data_dir=settings.data_dir, reconcile_interval_s=0,
                     devices={"advertise_address": "10.9.9.9"})  # fmt: skip
    elsewhere = Deployer(store, moved)
    second = elsewhere.push(elsewhere.plan(), kind="operator", actor="tester",
                            reason="new controller address")  # fmt: skip
    assert second.state is JobState.DONE
    [v2, v1] = store.configs.history("HZ-0001")
    assert (v2.version, v1.version) == (2, 1)
    assert "+ sdwan controller 10.9.9.9 port 8080" in v2.diff

    # Someone changes the device by hand: drift, named.
    with open_driver(Platform.HUAWEI_VRP, _endpoint(store, deployer, "HZ-0001")) as driver:
        driver.load_candidate(v2.text.replace("headless-after 30", "headless-after 90"))
        driver.commit()
    [drifted] = deployer.drift()
    assert drifted.state is DriftState.DRIFTED and drifted.version == 2
    assert "headless-after 90" in drifted.diff

    back = deployer.rollback("HZ-0001", 1, "tester")
    assert back.state is JobState.DONE and back.kind == "rollback"
    with open_driver(Platform.HUAWEI_VRP, _endpoint(store, deployer, "HZ-0001")) as driver:
        assert compare(Platform.HUAWEI_VRP, v1.text, driver.get_running()) == ""
    assert store.configs.history("HZ-0001")[0].text == v1.text  # version 3 is version 1 again


def test_a_device_that_cannot_be_logged_in_to_is_a_failed_device_of_the_job(
    store: Store, settings: Settings, cli_cpe: LabCpe
) -> None:
    store.devices.enroll("HZ-0001", cli_cpe.host, cli_cpe.port, cli_cpe.host_key, "test-setup",
                         credentials_ref="env:BL_TEST_NOBODY")  # fmt: skip
    deployer = Deployer(store, settings, environ={})
    job = deployer.push(deployer.plan(), kind="operator", actor="tester", reason="no login")
    assert job.state is JobState.FAILED
    [result] = job.results
    assert result.state is DeviceState.FAILED and result.error_kind == "CredentialsError"
    assert "env:BL_TEST_NOBODY" in (result.error or "")


KILLED = """
import os, sys
sys.path.insert(0, {root!r})
from controller.configs.deploy import Deployer
from controller.settings import Settings
from controller.stores import open_store

settings = Settings(data_dir={data!r}, reconcile_interval_s=0,
                    devices={{"advertise_address": "10.9.9.9", "confirm_timeout_s": 120}})
store = open_store(settings)
record = store.configs.committed

def committed_then_killed(job_id, serial):
    record(job_id, serial)
    print("committed", flush=True)
    os.kill(os.getpid(), 9)  # the controller dies between the commit and the confirm

store.configs.committed = committed_then_killed
deployer = Deployer(store, settings)
deployer.push(deployer.plan(["dc-shanghai"]), kind="operator", actor="tester", reason="killed")
"""


def test_a_controller_killed_between_commit_and_confirm_reverts_and_the_job_is_marked(
    store: Store, settings: Settings, netconf_pool: Pool, tmp_path: Path
) -> None:
    cpe = netconf_pool.take()
    store.devices.enroll("HUB-0001", cpe.host, cpe.port, cpe.host_key, "test-setup",
                         credentials_ref=login(cpe, tmp_path))  # fmt: skip
    deployer = Deployer(store, settings)
    first = deployer.push(deployer.plan(["dc-shanghai"]), kind="operator", actor="tester",
                          reason="first")  # fmt: skip
    assert first.state is JobState.DONE
    given = store.configs.latest("HUB-0001")
    assert given is not None

    code = KILLED.format(root=str(Path(__file__).parents[2]), data=str(settings.data_dir))
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True, timeout=120, env=os.environ.copy())  # fmt: skip
    assert "committed" in done.stdout, done.stderr
    assert done.returncode == -9
    [killed] = store.configs.jobs(1)
    assert killed.state is JobState.RUNNING  # as the dead controller left it
    assert store.configs.job(killed.id).results[0].state is DeviceState.COMMITTED

    with open_driver(Platform.NETCONF, endpoint(cpe)) as driver:  # the device goes back
        deadline = time.monotonic() + 30
        while compare(Platform.NETCONF, given.text, driver.get_running()):
            assert time.monotonic() < deadline, "the device kept an unconfirmed commit"
            time.sleep(1.5)

    telemetry = open_telemetry("embedded", path=tmp_path / "telemetry.db")
    try:
        with TestClient(create_app(settings, store=store, telemetry_store=telemetry)):
            pass  # the controller starts again
    finally:
        telemetry.close()
    marked = store.configs.job(killed.id)
    assert marked.state is JobState.INTERRUPTED and marked.finished_at is not None
    [result] = marked.results
    assert result.state is DeviceState.INTERRUPTED and result.error == INTERRUPTED_COMMITTED
    assert store.configs.latest("HUB-0001") == given  # no version for what never stayed


def _endpoint(store: Store, deployer: Deployer, serial: str) -> Endpoint:
    return next(t.endpoint for t in deployer.plan().targets if t.device == serial)
