"""Opening a branch over HTTPS end to end, as the person at the branch and the CPE do it:
`branchline serve` with a certificate (a test CA), the invitation mailed to a real SMTP server,
the link found in the mail followed with a client that trusts only that CA, the serial claimed,
then a factory-default SSH CLI CPE calls home over HTTPS, verifies and applies its day-0, the
controller pushes its configuration and the site is online; the token appears in no line the
server logs."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import trustme

from controller.settings import Settings
from controller.stores import open_store
from simulator.lab.cli_cpe import CliLab
from simulator.lab.factory import BootstrapRefusedError, apply_day0, call_home
from sites.inventory import Inventory
from tests.browser import Browser
from tests.components import free_port
from tests.conftest import BRANCHLINE
from tests.mailbox import smtp_server

pytestmark = pytest.mark.slow  # a server process, a real SSH CLI CPE


def test_the_link_from_the_mail_works_over_https_and_its_token_is_never_logged(
    tmp_path: Path, small_inventory: Inventory
) -> None:
    store = open_store(Settings(data_dir=tmp_path))
    store.replace_inventory(small_inventory, "test-setup")
    store.engine.dispose()
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    server_cert.cert_chain_pems[0].write_to_path(str(cert))
    server_cert.private_key_pem.write_to_path(str(key))
    client = ssl.create_default_context()
    ca.configure_trust(client)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    lab = CliLab(1, tmp_path / "lab")
    lab.start()
    port = free_port()
    base = f"https://127.0.0.1:{port}"
    with smtp_server() as box:
        env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path),
               "BRANCHLINE_RECONCILE_INTERVAL_S": "0", "BRANCHLINE_TLS_CERTFILE": str(cert),
               "BRANCHLINE_TLS_KEYFILE": str(key), "BRANCHLINE_ZTP__PUBLIC_URL": base,
               "BRANCHLINE_ZTP__SMTP__PORT": str(box.port)}  # fmt: skip
        server = subprocess.Popen(
            [str(BRANCHLINE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            browser = Browser(base, client)
            call = browser.call
            jar = browser.jar

            deadline = time.monotonic() + 60
            while True:
                try:
                    if call("/api/v1/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "did not start"
                time.sleep(0.2)
            sent = subprocess.run([BRANCHLINE, "ztp", "invite", "br-hangzhou-001", "--email",
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
            status, claimed = call("/ztp/claim", {"serial": "HZ-0001"})
            assert status == 200 and json.loads(claimed)["state"] == "claimed"

            # The CPE, switched on at the branch, trusts the controller's public key.
            trusted = subprocess.run([BRANCHLINE, "ztp", "key", "show"], env=env, check=True,
                                     capture_output=True, text=True).stdout.strip()  # fmt: skip
            cpe = lab.cpes[0]
            day0 = call_home(base, "HZ-0001", cpe.port, cpe.host_key, trusted,
                             ca_file=tmp_path / "ca.pem")  # fmt: skip
            apply_day0(lab.servers[cpe.port], day0)
            deadline = time.monotonic() + 60
            while (state := json.loads(call("/ztp/status")[1]))["state"] != "online":
                assert state["state"] != "failed" and time.monotonic() < deadline, state
                time.sleep(0.5)
            assert [s["step"] for s in state["timeline"]][-2:] == ["called-home", "online"]
            with pytest.raises(BootstrapRefusedError, match="409"):  # no second bootstrap
                call_home(base, "HZ-0001", cpe.port, cpe.host_key, trusted,
                          ca_file=tmp_path / "ca.pem")  # fmt: skip
        finally:
            server.send_signal(signal.SIGINT)
            output, _ = server.communicate(timeout=30)
            lab.close()
    assert "POST /ztp/session" in output  # the access log ran
    assert token not in output
