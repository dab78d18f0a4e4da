"""The NETCONF driver against real NETCONF CPEs (netconfd with our YANG module, behind sshd):
what lands, what the device refuses, what it reverts by itself, and what is never touched."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from controller.devices.base import Endpoint
from controller.devices.contract import Device, DriverContract
from controller.devices.errors import (
    AuthError,
    CandidateRejectedError,
    ConnectError,
)
from controller.devices.netconf import NetconfDriver
from simulator.lab.common import LabCpe
from sites.config.model import CpeConfig
from sites.config.xml import parse_xml, render_xml
from tests.devices.conftest import Pool, endpoint
from tests.sites.cpe_fixtures import REFERENCE_SITES, site_configs

pytestmark = pytest.mark.slow  # real NETCONF servers

(CONFIG,) = site_configs(REFERENCE_SITES["A"]).values()
OTHER = CONFIG.model_copy(
    update={"identity": CONFIG.identity.model_copy(update={"hostname": "br-beijing-001b"})}
)


def running(driver: NetconfDriver) -> CpeConfig | None:
    return parse_xml(driver.get_running())


def push(driver: NetconfDriver, config: CpeConfig) -> None:
    driver.load_candidate(render_xml(config))
    driver.commit(confirm_timeout_s=30)
    driver.confirm()


class TestNetconfDriver(DriverContract):
    """The driver contract (controller/devices/contract.py), against a fresh NETCONF CPE."""

    @pytest.fixture
    def device(self, cpe: LabCpe) -> Device:
        refused = render_xml(OTHER).replace("<upper-pct>70</upper-pct>",
                                            "<upper-pct>170</upper-pct>")  # fmt: skip
        assert refused != render_xml(OTHER)
        return Device(
            endpoint(cpe), NetconfDriver, render_xml(CONFIG), render_xml(OTHER), refused,
            "value not in range at /cpe/wan-link[link='mstp-1']/upper-pct", _same,
        )  # fmt: skip


def _same(running_xml: str, intended: str | None) -> bool:
    running = parse_xml(running_xml)
    return running is None if intended is None else running == parse_xml(intended)


@pytest.mark.parametrize(
    "text",
    ["<cpe xmlns='urn:branchline:yang:branchline-cpe'><identity>", "<other/>",
     "<!DOCTYPE x [<!ENTITY a 'b'>]><cpe/>"],
)  # fmt: skip
def test_a_text_that_is_no_configuration_is_refused_before_the_lock(
    netconf_pool: Pool, text: str
) -> None:
    cpe = netconf_pool.free[-1]  # read only, and left as it was
    with NetconfDriver(endpoint(cpe)) as driver, NetconfDriver(endpoint(cpe)) as other:
        before = driver.get_running()
        with pytest.raises(CandidateRejectedError, match="configuration: "):
            driver.load_candidate(text)
        other.load_candidate(render_xml(CONFIG))  # no lock was left behind
        other.discard()
        assert driver.get_running() == before


def test_the_compare_names_each_leaf_in_the_modules_paths(cpe: LabCpe) -> None:
    with NetconfDriver(endpoint(cpe)) as driver:
        driver.load_candidate(render_xml(CONFIG))
        assert "+ /cpe/identity/hostname = br-beijing-001" in driver.compare().splitlines()
        driver.discard()


KILLED = """
import os, sys
sys.path.insert(0, {root!r})
from controller.devices.credentials import Credentials
from controller.devices.base import Endpoint
from controller.devices.netconf import NetconfDriver
from sites.config.xml import render_xml
from tests.devices.test_netconf_driver import OTHER
end = Endpoint({host!r}, {port}, Credentials(username={user!r}, key_file={key!r}),
               host_key={host_key!r})
driver = NetconfDriver(end)
driver.open()
driver.load_candidate(render_xml(OTHER))
driver.commit(confirm_timeout_s=120)
print("committed", flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_controller_killed_between_commit_and_confirm_leaves_the_device_reverted(
    cpe: LabCpe,
) -> None:
    with NetconfDriver(endpoint(cpe)) as driver:
        push(driver, CONFIG)
    code = KILLED.format(
        root=str(Path(__file__).parents[2]), host=cpe.host, port=cpe.port, user=cpe.username,
        key=str(cpe.key_file), host_key=cpe.host_key,
    )  # fmt: skip
    argv = [sys.executable, "-c", code]
    done = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=60)
    assert "committed" in done.stdout, done.stderr
    assert done.returncode == -9
    with NetconfDriver(endpoint(cpe)) as after:
        deadline = time.monotonic() + 20
        while running(after) != CONFIG:  # the session ended: the commit is undone
            assert time.monotonic() < deadline, "the device kept an unconfirmed commit"
            time.sleep(0.5)


def test_a_wrong_key_is_an_auth_error_and_a_closed_port_a_connect_error(
    cpe: LabCpe, tmp_path: Path, netconf_pool: Pool
) -> None:
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)],
                   check=True)  # fmt: skip
    pinned = endpoint(cpe)
    wrong = Endpoint(cpe.host, cpe.port,
                     pinned.credentials.model_copy(update={"key_file": stranger}),
                     host_key=cpe.host_key)  # fmt: skip
    with pytest.raises(AuthError, match=repr(cpe.username)):
        NetconfDriver(wrong).open()
    with pytest.raises(ConnectError) as refused:
        NetconfDriver(endpoint(cpe).__class__("127.0.0.1", 1, wrong.credentials)).open()
    assert refused.value.retryable
    netconf_pool.lab.stop(cpe.port)  # sshd answers, the NETCONF server is gone
    with pytest.raises(ConnectError):
        NetconfDriver(endpoint(cpe)).open()
