"""Opening a branch with a USB bundle, end to end on loopback: `branchline ztp usb-bundle` writes
the signed bundle for the branch's CPE; a factory-default NETCONF CPE (netconfd behind sshd)
that knows nothing of the controller reads it, verifies it with the key it carries, applies its
day-0, calls home to the controller the bundle names, and the controller pushes and confirms
its configuration over NETCONF: the site is online, every step in its timeline."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from controller.settings import Settings
from controller.store.ztp_store import SiteState
from controller.stores import open_store
from simulator.lab.factory import FactoryCpe, NetconfTarget
from simulator.lab.netconf_cpe import HOW, NetconfLab, available
from sites.inventory import Inventory
from tests.components import free_port, missing
from tests.conftest import BRANCHLINE
from tests.serving import branchline_serve, wait_until_online

pytestmark = pytest.mark.slow  # a server process, a real NETCONF CPE

SITE, SERIAL = "br-hangzhou-001", "HZ-0001"


def test_a_usb_bundle_opens_a_branch_whose_cpe_knows_nothing_of_the_controller(
    tmp_path: Path, netconf_branch_inventory: Inventory
) -> None:
    if available() is not None:
        missing("NETCONF CPE emulator (netconfd, sshd)", HOW)
    store = open_store(Settings(data_dir=tmp_path))
    store.replace_inventory(netconf_branch_inventory, "test-setup")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path),
           "BRANCHLINE_RECONCILE_INTERVAL_S": "0", "BRANCHLINE_ZTP__PUBLIC_URL": base,
           "BRANCHLINE_ZTP__DEVICE_USER": getpass.getuser(), "COLUMNS": "200"}  # fmt: skip
    bundle = tmp_path / "usb" / "hz.ztp.json"
    bundle.parent.mkdir()

    def ztp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([BRANCHLINE, "ztp", *args], env=env, capture_output=True,
                              text=True, check=False, timeout=60)  # fmt: skip

    refused = ztp("usb-bundle", SITE, "--serial", "LS-0001", "-o", str(bundle))
    assert refused.returncode == 1 and "LS-0001 is not a device of" in refused.stderr
    assert not bundle.exists()
    nowhere = ztp("usb-bundle", SITE, "--serial", SERIAL, "-o", str(tmp_path / "no" / "x.json"))
    assert nowhere.returncode == 1 and "nothing written" in nowhere.stderr, nowhere.stderr
    assert [i.status(datetime.now(UTC)).value for i in store.ztp.invites(SITE)] == ["revoked"]
    written = ztp("usb-bundle", SITE, "--serial", SERIAL, "-o", str(bundle))
    assert written.returncode == 0, written.stderr
    content = json.loads(bundle.read_text())
    assert content["format"] == "branchline-ztp-bundle/1" and "PRIVATE" not in bundle.read_text()
    assert "USB bundle for HZ-0001" in ztp("invites", "--site", SITE).stdout
    assert store.ztp.state(SITE) == (SiteState.CLAIMED, None)
    lab = NetconfLab(1, tmp_path / "lab")
    with lab, branchline_serve(env, port) as served:
        # No controller URL and no key in its factory settings: the bundle gives both.
        device = FactoryCpe(NetconfTarget(lab, lab.cpes[0]), SERIAL, None, None, bundle=bundle)
        device.start()
        assert device.done.wait(60) and device.error is None, device.error
        assert device.source == "usb"
        wait_until_online(store, SITE)
        assert [e.step for e in store.ztp.timeline(SITE)] == [
            "usb-bundle", "revoked", "usb-bundle", "called-home", "online"]  # fmt: skip
        [listed] = [j for j in store.configs.jobs() if j.kind == "ztp"]
        result = store.configs.job(listed.id).results[0]
        assert result.serial == SERIAL and result.state.value == "pushed", result
        # The bundle is used up: plugged into a second device (or again), it opens nothing.
        assert (
            served.browser.call(
                "/ztp/call-home",
                {"serial": SERIAL, "port": lab.cpes[0].port, "host_key": lab.cpes[0].host_key},
            )[0]
            == 409
        )
    store.engine.dispose()
