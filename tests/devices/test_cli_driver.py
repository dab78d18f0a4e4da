"""The SSH CLI driver against real SSH CLI CPEs (fakenos's SSH server with our VRP-like device):
the driver contract, and what is particular to a command line: the line a device refuses,
`display current-configuration`, a device that reverts while nobody is there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.devices.base import Endpoint
from controller.devices.cli import CliDriver
from controller.devices.contract import Device, DriverContract
from controller.devices.credentials import Credentials
from controller.devices.errors import CandidateRejectedError
from simulator.lab.cli_cpe import CliLab
from simulator.lab.common import LabCpe
from sites.config.cli_diff import cli_remediation
from sites.config.vrp import render_vrp
from tests.sites.cpe_fixtures import REFERENCE_SITES, site_configs

pytestmark = pytest.mark.slow  # real SSH servers

(CONFIG,) = site_configs(REFERENCE_SITES["A"]).values()
OTHER = CONFIG.model_copy(
    update={"identity": CONFIG.identity.model_copy(update={"hostname": "br-beijing-001b"})}
)
FACTORY = "#\nsysname HUAWEI\n#\nreturn\n"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[CliLab]:
    lab = CliLab(1, tmp_path)
    lab.start()
    try:
        yield lab
    finally:
        lab.close()


def endpoint(cpe: LabCpe, *, timeout_s: float = 15) -> Endpoint:
    return Endpoint(cpe.host, cpe.port, Credentials(username=cpe.username, key_file=cpe.key_file),
                    host_key=cpe.host_key, timeout_s=timeout_s)  # fmt: skip


def _same(running: str, intended: str | None) -> bool:
    return cli_remediation(intended or FACTORY, running).empty


class TestCliDriver(DriverContract):
    """The driver contract (controller/devices/contract.py), against a fresh SSH CLI CPE."""

    @pytest.fixture
    def device(self, lab: CliLab) -> Device:
        refused = render_vrp(OTHER).replace("utilization upper 70 lower 50",
                                            "utilization upper 170 lower 50", 1)  # fmt: skip
        assert refused != render_vrp(OTHER)
        return Device(
            endpoint(lab.cpes[0]), CliDriver, render_vrp(CONFIG), render_vrp(OTHER), refused,
            "line 'utilization upper 170 lower 50' refused: Wrong parameter found", _same,
            reverts_within_s=10, poll_s=0.5,
        )  # fmt: skip


def test_a_push_lands_and_display_current_configuration_shows_it(lab: CliLab) -> None:
    with CliDriver(endpoint(lab.cpes[0])) as driver:
        driver.load_candidate(render_vrp(CONFIG))
        driver.commit(confirm_timeout_s=60)
        driver.confirm()
        shown = driver.get_running()
    assert shown == render_vrp(CONFIG)  # line for line, as rendered
    assert lab.device(lab.cpes[0].port).files["vrpcfg.cfg"] == shown.rstrip("\n")  # saved


def test_an_invalid_command_in_the_middle_restores_the_config_and_names_the_line(
    lab: CliLab,
) -> None:
    steered = CONFIG.model_copy(
        update={
            "applications": tuple(
                app.model_copy(update={"link": app.failover[-1]}) for app in CONFIG.applications
            )
        }
    )
    text = render_vrp(steered).replace(" match protocol tcp\n", " match protocol sctp\n", 1)
    with CliDriver(endpoint(lab.cpes[0])) as driver:
        driver.load_candidate(render_vrp(CONFIG))
        driver.commit()
        before = driver.get_running()
        driver.load_candidate(text)
        lines = driver.compare().splitlines()
        saved = lab.device(lab.cpes[0].port).files
        with pytest.raises(CandidateRejectedError) as refused:
            driver.commit(confirm_timeout_s=60)
        assert refused.value.line == "match protocol sctp"
        assert "line 'match protocol sctp' refused: Wrong parameter found at '^' position" in str(
            refused.value
        )
        # lines before the refused one had been typed, and are gone again
        assert lines.index(" - link " + CONFIG.applications[0].link) >= 0
        assert driver.get_running() == before
        assert saved["branchline-backup.cfg"] + "\n" == before  # the backup, on the device
    with CliDriver(endpoint(lab.cpes[0])) as again:  # no lock left
        again.load_candidate(render_vrp(OTHER))
        again.discard()


def test_a_controller_gone_mid_commit_leaves_the_device_reverted_by_its_timer(lab: CliLab) -> None:
    cpe = lab.cpes[0]
    with CliDriver(endpoint(cpe)) as driver:
        driver.load_candidate(render_vrp(CONFIG))
        driver.commit()
    driver = CliDriver(endpoint(cpe))
    driver.open()
    driver.load_candidate(render_vrp(OTHER))
    driver.commit(confirm_timeout_s=4)
    driver._conn.remote_conn_pre.get_transport().close()  # the controller vanishes: no confirm
    device = lab.device(cpe.port)
    assert "sysname br-beijing-001b" in device.display()
    deadline = time.monotonic() + 10
    while "sysname br-beijing-001b" in device.display():
        assert time.monotonic() < deadline, "the device did not revert"
        time.sleep(0.2)
    assert _same(device.display(), render_vrp(CONFIG))
