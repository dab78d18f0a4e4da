"""Opening a branch over HTTPS end to end, as the person at the branch and the CPE do it:
`branchline serve` with a certificate (a test CA), the invitation mailed to a real SMTP server,
the link found in the mail followed with a client that trusts only that CA, the serial claimed,
then a factory-default NETCONF CPE (netconfd behind sshd) calls home over HTTPS, verifies and
applies its day-0, the controller pushes and confirms its configuration over NETCONF and the
site is online with every step in its timeline; the token appears in no line the server logs."""

from __future__ import annotations

import getpass
import json
import os
import re
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import trustme

from controller.settings import Settings
from controller.stores import open_store
from simulator.lab.factory import BootstrapRefusedError, FactoryCpe, NetconfTarget, call_home
from simulator.lab.netconf_cpe import HOW, NetconfLab, available
from sites.inventory import Inventory
from tests.components import free_port, missing
from tests.conftest import BRANCHLINE
from tests.mailbox import smtp_server
from tests.serving import branchline_serve

pytestmark = pytest.mark.slow  # a server process, a real NETCONF CPE

SITE, SERIAL = "br-hangzhou-001", "HZ-0001"


def test_the_link_from_the_mail_opens_a_netconf_branch_over_https_and_its_token_is_never_logged(
    tmp_path: Path, netconf_branch_inventory: Inventory
) -> None:
    if available() is not None:
        missing("NETCONF CPE emulator (netconfd, sshd)", HOW)
    store = open_store(Settings(data_dir=tmp_path))
    store.replace_inventory(netconf_branch_inventory, "test-setup")
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    server_cert.private_key_pem.write_to_path(str(key))
    client = ssl.create_default_context()
    ca.configure_trust(client)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    port = free_port()
    base = f"https://127.0.0.1:{port}"
    lab = NetconfLab(1, tmp_path / "lab")
    with smtp_server() as box, lab:
        env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path),
               "BRANCHLINE_RECONCILE_INTERVAL_S": "0", "BRANCHLINE_TLS_CERTFILE": str(cert),
               "BRANCHLINE_TLS_KEYFILE": str(key), "BRANCHLINE_ZTP__PUBLIC_URL": base,
               "BRANCHLINE_ZTP__SMTP__PORT": str(box.port),
               # netconfd's sshd logs in users of this machine only
               "BRANCHLINE_ZTP__DEVICE_USER": getpass.getuser()}  # fmt: skip
        with branchline_serve(env, port, context=client) as served:
            call, jar = served.browser.call, served.browser.jar
            sent = subprocess.run([BRANCHLINE, "ztp", "invite", SITE, "--email",
                                   "zhang.wei@branch.example.cn"], env=env, capture_output=True,
                                  text=True, check=False, timeout=60)  # fmt: skip
            assert sent.returncode == 0, sent.stderr
            body = box.messages[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            found = re.search(rf"{re.escape(base)}/ztp#([A-Za-z0-9_-]+)", body)
            assert found is not None, body
            token = found.group(1)
            # What the browser does with the link: fetch the page (the part after # stays in
            # the browser), then the page's script posts the token and claims.
            status, page = call("/ztp")
            assert status == 200 and "Device serial number" in page
            assert call("/ztp/session", {"token": token})[0] == 200
            assert [c.secure and c.name for c in jar] == ["branchline_ztp"]
            status, claimed = call("/ztp/claim", {"serial": SERIAL})
            assert status == 200 and json.loads(claimed)["state"] == "claimed"

            # The CPE, switched on at the branch, trusts the controller's public key.
            trusted = subprocess.run([BRANCHLINE, "ztp", "key", "show"], env=env, check=True,
                                     capture_output=True, text=True).stdout.strip()  # fmt: skip
            device = FactoryCpe(NetconfTarget(lab, lab.cpes[0]), SERIAL, base, trusted,
                                ca_file=tmp_path / "ca.pem")  # fmt: skip
            device.start()
            assert device.done.wait(60) and device.error is None, device.error
            assert device.telemetry is not None  # a token of its own to report with
            deadline = time.monotonic() + 60
            while (state := json.loads(call("/ztp/status")[1]))["state"] != "online":
                assert state["state"] != "failed" and time.monotonic() < deadline, state
                time.sleep(0.5)
            assert [s["step"] for s in state["timeline"]] == [
                "invited", "mailed", "claimed", "called-home", "online"]  # fmt: skip
            # Day-0 was enough to reach the controller; the push added the rest over NETCONF
            # and confirmed it.
            [listed] = [j for j in store.configs.jobs() if j.kind == "ztp"]
            job = store.configs.job(listed.id)
            assert job.state.value == "done" and job.results[0].serial == SERIAL
            assert job.results[0].state.value == "pushed", job.results[0]
            assert "/cpe/tunnel" in job.results[0].diff
            with pytest.raises(BootstrapRefusedError, match="409"):  # no second bootstrap
                call_home(base, SERIAL, lab.cpes[0].port, lab.cpes[0].host_key, trusted,
                          ca_file=tmp_path / "ca.pem", platform="netconf")  # fmt: skip
    store.engine.dispose()
    output = served.output[0]
    assert "POST /ztp/session" in output  # the access log ran
    assert token not in output
    assert device.telemetry["token"] not in output
