"""Opening a branch whose CPE learns where the controller is from DHCP, end to end: a real DHCP
server (dnsmasq) on a LAN of two network namespaces the test creates hands out option 143 as
`branchline ztp dhcp-option` prints it; the person at the branch follows the mailed link (real
SMTP) and claims the serial; the factory-default NETCONF CPE, with only the controller's key in
its factory settings, leases an address, reads the URL from option 143, calls home, verifies and
applies its day-0, and the controller pushes and confirms its configuration over NETCONF."""

from __future__ import annotations

import getpass
import os
import re
import subprocess
from pathlib import Path

import pytest

from controller.settings import Settings
from controller.stores import open_store
from simulator.lab import dhcp
from simulator.lab.common import LabError
from simulator.lab.factory import FactoryCpe, NetconfTarget
from simulator.lab.netconf_cpe import HOW, NetconfLab, available
from sites.inventory import Inventory
from tests.components import free_port, missing
from tests.conftest import BRANCHLINE
from tests.mailbox import smtp_server
from tests.netns import branch_lan
from tests.serving import branchline_serve, wait_until_online

pytestmark = pytest.mark.slow  # network namespaces, dnsmasq, a server process, a NETCONF CPE

SITE, SERIAL = "br-hangzhou-001", "HZ-0001"


def test_a_cpe_told_by_dhcp_option_143_where_the_controller_is_opens_its_branch(
    tmp_path: Path, netconf_branch_inventory: Inventory
) -> None:
    for problem, how in ((available(), HOW), (dhcp.available(), dhcp.HOW)):
        if problem is not None:
            missing(problem, how)
    store = open_store(Settings(data_dir=tmp_path))
    store.replace_inventory(netconf_branch_inventory, "test-setup")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path),
           "BRANCHLINE_RECONCILE_INTERVAL_S": "0", "BRANCHLINE_ZTP__PUBLIC_URL": base,
           "BRANCHLINE_ZTP__DEVICE_USER": getpass.getuser()}  # fmt: skip
    printed = subprocess.run([BRANCHLINE, "ztp", "dhcp-option"], env=env, capture_output=True,
                             text=True, check=True, timeout=60)  # fmt: skip
    line = re.search(r"dnsmasq: +dhcp-option-force=(\S+)", printed.stderr)
    assert line is not None, printed.stderr
    trusted = subprocess.run([BRANCHLINE, "ztp", "key", "show"], env=env, capture_output=True,
                             text=True, check=True, timeout=60).stdout.strip()  # fmt: skip
    lab = NetconfLab(1, tmp_path / "lab")
    with smtp_server() as box, branch_lan(line.group(1), tmp_path) as lan, lab:
        env["BRANCHLINE_ZTP__SMTP__PORT"] = str(box.port)
        with branchline_serve(env, port) as served:
            subprocess.run(
                [BRANCHLINE, "ztp", "invite", SITE, "--email", "zhang.wei@branch.example.cn"],
                env=env,
                check=True,
                timeout=60,
            )
            body = box.messages[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            token = re.search(r"/ztp#([A-Za-z0-9_-]+)", body).group(1)  # type: ignore[union-attr]
            browser = served.browser
            assert browser.call("/ztp/session", {"token": token})[0] == 200
            assert browser.call("/ztp/claim", {"serial": SERIAL})[0] == 200

            client = dhcp.DhcpClient(lan.cpe_interface, netns=lan.cpe_netns)
            device = FactoryCpe(NetconfTarget(lab, lab.cpes[0]), SERIAL, None, trusted,
                                discover=client.discover)  # fmt: skip
            device.start()
            assert device.done.wait(90) and device.error is None, device.error
            assert device.source == "dhcp"
            assert "option:143" in lan.log.read_text()  # the server sent it
            wait_until_online(store, SITE)
            assert [e.step for e in store.ztp.timeline(SITE)] == [
                "invited", "mailed", "claimed", "called-home", "online"]  # fmt: skip
    store.engine.dispose()


def test_the_dhcp_client_says_when_the_server_gives_no_option_143(tmp_path: Path) -> None:
    if dhcp.available() is not None:
        missing("udhcpc", dhcp.HOW)
    with branch_lan("42,10.99.0.1", tmp_path) as lan:  # an NTP server, no bootstrap server
        client = dhcp.DhcpClient(lan.cpe_interface, netns=lan.cpe_netns)
        with pytest.raises(LabError, match="no option 143"):
            client.discover()
