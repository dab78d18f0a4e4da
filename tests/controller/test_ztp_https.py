"""Opening a branch over HTTPS as the person at the branch does it: `branchline serve` with a
certificate (a test CA), the invitation mailed to a real SMTP server, the link found in the mail
followed with a client that trusts only that CA, the serial claimed; the token appears in no
line the server logs."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import trustme

from controller.settings import Settings
from controller.stores import open_store
from sites.inventory import Inventory
from tests.components import free_port
from tests.conftest import BRANCHLINE
from tests.mailbox import smtp_server

pytestmark = pytest.mark.slow  # a server process


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
            jar = http.cookiejar.CookieJar()
            browser = urllib.request.build_opener(
                urllib.request.HTTPSHandler(context=client),
                urllib.request.HTTPCookieProcessor(jar),
            )

            def call(path: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
                data = json.dumps(body).encode() if body is not None else None
                json_body = {"Content-Type": "application/json"}
                request = urllib.request.Request(f"{base}{path}", data=data, headers=json_body)
                try:
                    with browser.open(request, timeout=10) as answer:
                        return int(answer.status), answer.read().decode()
                except urllib.error.HTTPError as exc:
                    return exc.code, exc.read().decode()

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
        finally:
            server.send_signal(signal.SIGINT)
            output, _ = server.communicate(timeout=30)
    assert "POST /ztp/session" in output  # the access log ran
    assert token not in output
