"""`branchline lab cpe --factory-serial`: an emulated CPE in its factory settings, switched on
before anyone has claimed its branch, keeps calling home; once the installer claims the serial
on the page, it gets its bootstrap and the branch opens, with no further step from anyone."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from controller.settings import Settings
from controller.stores import open_store
from controller.ztp.invitations import Invitations
from sites.inventory import Inventory
from tests.browser import Browser
from tests.components import free_port
from tests.conftest import BRANCHLINE
from tests.mailbox import smtp_server

pytestmark = pytest.mark.slow  # server and lab processes, a real SSH CLI CPE


def test_a_factory_cpe_calls_home_until_claimed_and_then_opens_its_branch(
    tmp_path: Path, small_inventory: Inventory
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with smtp_server() as box:
        env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path / "data"),
               "BRANCHLINE_RECONCILE_INTERVAL_S": "0", "BRANCHLINE_ZTP__PUBLIC_URL": base,
               "BRANCHLINE_ZTP__SMTP__PORT": str(box.port)}  # fmt: skip
        settings = Settings(data_dir=tmp_path / "data")
        store = open_store(settings)
        store.replace_inventory(small_inventory, "test-setup")
        trusted = subprocess.run([BRANCHLINE, "ztp", "key", "show"], env=env, check=True,
                                 capture_output=True, text=True).stdout.strip()  # fmt: skip
        server = subprocess.Popen([BRANCHLINE, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        lab = subprocess.Popen(
            [BRANCHLINE, "lab", "cpe", "--kind", "cli", "--factory-serial", "HZ-0001",
             "--controller", base, "--trusted-key", trusted, "--dir", str(tmp_path / "lab")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            browser = Browser(base)
            deadline = time.monotonic() + 60
            while True:
                try:
                    if browser.call("/api/v1/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
            listing = tmp_path / "lab" / "cpes.json"
            while not listing.exists():
                assert time.monotonic() < deadline and lab.poll() is None
                time.sleep(0.2)
            assert json.loads(listing.read_text())[0]["factory_serial"] == "HZ-0001"
            # The CPE calls home, and is refused while nobody has claimed it.
            while not [e for e in store.ztp.timeline("br-hangzhou-001")
                       if e.step == "call-home refused"]:  # fmt: skip
                assert time.monotonic() < deadline, "the CPE did not call home"
                time.sleep(0.5)
            Invitations(store, Settings(data_dir=tmp_path / "data", ztp={
                "public_url": base, "smtp": {"port": box.port}})).invite(
                "br-hangzhou-001", "zhang.wei@branch.example.cn", "alice")  # fmt: skip
            mail = box.messages[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
            token = re.search(r"/ztp#([A-Za-z0-9_-]+)", mail).group(1)  # type: ignore[union-attr]
            assert browser.call("/ztp/session", {"token": token})[0] == 200
            assert browser.call("/ztp/claim", {"serial": "HZ-0001"})[0] == 200
            deadline = time.monotonic() + 60
            while (state := json.loads(browser.call("/ztp/status")[1]))["state"] != "online":
                assert state["state"] != "failed" and time.monotonic() < deadline, state
                time.sleep(0.5)
            steps = [e.step for e in store.ztp.timeline("br-hangzhou-001")]
            assert steps.count("call-home refused") == 1  # said once, however often it called
        finally:
            lab.send_signal(signal.SIGINT)
            lab.wait(timeout=60)
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
            store.engine.dispose()


@pytest.mark.parametrize(("args", "why"), [
    (["--factory-serial", "HZ-0001", "--trusted-key", "k"], "give one of --controller, --dhcp"),
    (["--factory-serial", "HZ-0001", "--controller", "http://127.0.0.1:1", "--dhcp", "eth0",
      "--trusted-key", "k"], "give one of"),
    (["--factory-serial", "HZ-0001", "--controller", "http://127.0.0.1:1"], "needs --trusted-key"),
    (["--controller", "http://127.0.0.1:1"], "only with --factory-serial"),
])  # fmt: skip
def test_factory_settings_that_cannot_work_are_refused_before_anything_starts(
    tmp_path: Path, args: list[str], why: str
) -> None:
    done = subprocess.run([BRANCHLINE, "lab", "cpe", "--dir", str(tmp_path), *args],
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    assert done.returncode == 2 and why in done.stderr, done.stderr
    assert not (tmp_path / "cpes.json").exists()
