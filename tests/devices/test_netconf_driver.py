"""The NETCONF driver against real NETCONF CPEs (netconfd with our YANG module, behind sshd):
what lands, what the device refuses, what it reverts by itself, and what is never touched."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from controller.devices.base import Endpoint
from controller.devices.errors import (
    AuthError,
    CandidateRejectedError,
    ConfirmExpiredError,
    ConnectError,
    HostKeyError,
    LockedError,
)
from controller.devices.netconf import NetconfDriver
from simulator.lab.netconf_cpe import NetconfCpe
from sites.config.model import CpeConfig
from sites.config.xml import parse_xml, render_xml
from tests.devices.conftest import Pool, endpoint
from tests.sites.cpe_fixtures import REFERENCE_SITES, site_configs

pytestmark = pytest.mark.slow  # real NETCONF servers (about 35 s)

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


def test_a_push_lands_reads_back_equal_and_then_compares_empty(cpe: NetconfCpe) -> None:
    with NetconfDriver(endpoint(cpe)) as driver:
        assert running(driver) is None  # a factory-empty device
        driver.load_candidate(render_xml(CONFIG))
        preview = driver.compare()
        assert "+ /cpe/identity/hostname = br-beijing-001" in preview.splitlines()
        assert running(driver) is None  # staged, not running
        driver.commit(confirm_timeout_s=30)
        driver.confirm()
        assert running(driver) == CONFIG
        driver.load_candidate(render_xml(CONFIG))
        assert driver.compare() == ""  # nothing would change
        driver.discard()
    with NetconfDriver(endpoint(cpe)) as again:  # and it stayed after the session
        assert running(again) == CONFIG


def test_a_value_outside_the_yang_range_is_refused_and_nothing_changes(cpe: NetconfCpe) -> None:
    with NetconfDriver(endpoint(cpe)) as driver:
        push(driver, CONFIG)
        bad = render_xml(OTHER).replace("<upper-pct>70</upper-pct>", "<upper-pct>170</upper-pct>")
        assert bad != render_xml(OTHER)
        with pytest.raises(CandidateRejectedError) as refused:
            driver.load_candidate(bad)
        assert "value not in range at /cpe/wan-link[link='mstp-1']/upper-pct" in str(refused.value)
        assert refused.value.line == "/cpe/wan-link[link='mstp-1']/upper-pct"
        assert running(driver) == CONFIG
    with NetconfDriver(endpoint(cpe)) as other:  # no lock left behind: another push goes in
        push(other, OTHER)
        assert running(other) == OTHER


def test_a_commit_never_confirmed_is_reverted_by_the_device(cpe: NetconfCpe) -> None:
    with NetconfDriver(endpoint(cpe)) as driver:
        push(driver, CONFIG)
        driver.load_candidate(render_xml(OTHER))
        driver.commit(confirm_timeout_s=2)
        assert running(driver) == OTHER
        deadline = time.monotonic() + 20
        while running(driver) != CONFIG:  # netconfd's timer runs out and it reverts
            assert time.monotonic() < deadline, "the device did not revert"
            time.sleep(1.5)  # (netconfd runs its timers only after a second with no request)
        with pytest.raises(ConfirmExpiredError):
            driver.confirm()
        assert running(driver) == CONFIG


def test_rollback_before_the_confirm_goes_back_at_once(cpe: NetconfCpe) -> None:
    with NetconfDriver(endpoint(cpe)) as driver:
        push(driver, CONFIG)
        driver.load_candidate(render_xml(OTHER))
        driver.commit(confirm_timeout_s=60)
        driver.rollback()
        assert running(driver) == CONFIG


def test_rollback_after_a_confirmed_commit_restores_what_ran_before(cpe: NetconfCpe) -> None:
    with NetconfDriver(endpoint(cpe)) as driver:
        push(driver, CONFIG)
        push(driver, OTHER)
        driver.rollback()
        assert running(driver) == CONFIG


def test_a_candidate_locked_by_another_session_is_a_clear_error_and_no_change(
    cpe: NetconfCpe,
) -> None:
    with NetconfDriver(endpoint(cpe)) as first, NetconfDriver(endpoint(cpe)) as second:
        push(first, CONFIG)
        first.load_candidate(render_xml(OTHER))  # holds the lock
        with pytest.raises(LockedError, match="locked by another session"):
            second.load_candidate(render_xml(OTHER))
        first.discard()
        assert running(second) == CONFIG
        second.load_candidate(render_xml(OTHER))  # the lock was released
        second.discard()


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
    cpe: NetconfCpe,
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


def test_first_contact_learns_the_host_key_and_a_changed_key_is_refused(
    cpe: NetconfCpe, tmp_path: Path
) -> None:
    with NetconfDriver(endpoint(cpe, host_key=None)) as driver:
        assert driver.host_key == cpe.host_key
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    impostor = " ".join(other.with_suffix(".pub").read_text().split()[:2])
    with pytest.raises(HostKeyError, match="not the one pinned"):
        NetconfDriver(endpoint(cpe, host_key=impostor)).open()


def test_a_wrong_key_is_an_auth_error_and_a_closed_port_a_connect_error(
    cpe: NetconfCpe, tmp_path: Path, netconf_pool: Pool
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
