"""Canary rollouts against real SSH CLI CPEs: the canary site first, its SLA figures compared
before and after, then the rest of the network, or the canary rolled back and the rest left
alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from controller.configs.canary import CanaryOptions, CanaryReport, rollout
from controller.configs.deploy import Deployer
from controller.devices.registry import open_driver
from controller.settings import Settings
from controller.store.facade import Store
from controller.stores import open_store
from simulator.lab.cli_cpe import CliLab
from sites.config.render import compare
from sites.enums import Platform
from sites.loader import load_inventory
from telemetry.batch import SampleBatch
from telemetry.health.layout import HealthLayout
from telemetry.samples import to_ms
from telemetry.store.base import TelemetryStore
from telemetry.store.registry import open_store as open_telemetry
from tests.sites.cpe_fixtures import CPE_YAML

pytestmark = pytest.mark.slow  # real SSH CLI CPEs

WATCH = timedelta(seconds=60)
CANARY = "br-lhasa-001"


class World(NamedTuple):
    store: Store
    telemetry: TelemetryStore
    settings: Settings


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path / "data", reconcile_interval_s=0)
    store = open_store(settings)
    store.replace_inventory(load_inventory(CPE_YAML), actor="test-setup")
    telemetry = open_telemetry("embedded", path=tmp_path / "telemetry.db")
    lab = CliLab(3, tmp_path / "lab")
    lab.start()
    login = tmp_path / "login.json"
    login.touch(mode=0o600)
    login.write_text(json.dumps({"username": lab.cpes[0].username,
                                 "key_file": str(lab.cpes[0].key_file)}))  # fmt: skip
    for serial, cpe in zip(("HZ-0001", "HZ-0002", "LS-0001"), lab.cpes, strict=True):
        store.devices.enroll(serial, cpe.host, cpe.port, cpe.host_key, "test-setup",
                             credentials_ref=f"file:{login}")  # fmt: skip
    first = Deployer(store, settings)
    assert first.push(first.plan(), kind="operator", actor="t", reason="v1").state.value == "done"
    try:
        yield World(store, telemetry, settings)
    finally:
        lab.close()
        telemetry.close()
        store.engine.dispose()


def trading(start: datetime, seconds: int, loss_pct: float) -> SampleBatch:
    """The canary site's trading application on its Internet link, one sample a second."""
    ts = to_ms(start) + np.arange(seconds, dtype=np.int64) * 1000
    return SampleBatch(
        site=(CANARY,) * seconds, link=("inet-1",) * seconds, app=("o32-trading",) * seconds,
        ts_ms=ts, latency_ms=np.full(seconds, 30.0), jitter_ms=np.full(seconds, 2.0),
        loss_pct=np.full(seconds, loss_pct), utilization=np.full(seconds, 0.2),
        throughput_bps=np.full(seconds, 1e6), up=np.full(seconds, loss_pct < 100),
    )  # fmt: skip


def run(world: World, loss_after: float) -> CanaryReport:
    """Change every CPE's configuration (the controller's address) with the canary site first;
    during the watch the canary's trading application loses `loss_after` % of its packets."""
    store, telemetry, settings = world
    t0 = datetime.now(UTC).replace(microsecond=0)
    telemetry.write(trading(t0 - WATCH, 60, loss_pct=0.0))  # fine before the push
    now = [t0]

    def watch(seconds: float) -> None:  # the watch, as the canary site reports it
        telemetry.write(trading(t0, int(seconds), loss_pct=loss_after))
        now[0] = t0 + timedelta(seconds=seconds)

    changed = Settings(data_dir=settings.data_dir, reconcile_interval_s=0,
                       devices={"advertise_address": "10.9.9.9"})  # fmt: skip
    deployer = Deployer(store, changed)
    _, inventory = store.current.get()
    report = rollout(deployer, telemetry, lambda: HealthLayout.from_inventory(inventory),
                     deployer.plan(), CanaryOptions((CANARY,), WATCH.total_seconds()),
                     actor="tester", sleep=watch, clock=lambda: now[0])  # fmt: skip
    return report


def runs_version(store: Store, serial: str, version: int) -> bool:
    given = store.configs.version(serial, version)
    target = next(t for t in Deployer(store, Settings()).plan().targets if t.device == serial)
    with open_driver(Platform.HUAWEI_VRP, target.endpoint) as driver:
        return compare(Platform.HUAWEI_VRP, given.text, driver.get_running()) == ""


def test_a_canary_that_keeps_its_sla_lets_the_rest_follow(world: World) -> None:
    store = world.store
    report = run(world, loss_after=0.0)
    assert report.verdict == "continued", report.reason
    assert [r.site for r in report.canary_job.results] == [CANARY]
    assert report.before[0].share == 1.0 and report.after[0].share == 1.0
    assert report.rest_job is not None and report.rest_job.state.value == "done"
    assert {r.serial for r in report.rest_job.results} == {"HZ-0001", "HZ-0002"}
    for serial in ("HZ-0001", "HZ-0002", "LS-0001"):
        assert store.configs.latest(serial).version == 2  # type: ignore[union-attr]


def test_a_canary_that_got_worse_is_rolled_back_and_the_rest_left_alone(world: World) -> None:
    store = world.store
    report = run(world, loss_after=100.0)
    assert report.verdict == "rolled-back"
    assert "br-lhasa-001 within SLA 0% after, 100% before" in report.reason
    assert report.rest_job is None
    [back] = report.rollback_jobs
    assert back.kind == "rollback" and back.state.value == "done"
    assert runs_version(store, "LS-0001", 1)  # the canary runs version 1 again
    for serial in ("HZ-0001", "HZ-0002"):  # never given the change
        assert store.configs.latest(serial).version == 1  # type: ignore[union-attr]
