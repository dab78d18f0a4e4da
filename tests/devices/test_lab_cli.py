"""`branchline lab cpe`: emulated CPEs a person can start, use and stop, leaving nothing."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from controller.devices.base import Endpoint
from controller.devices.credentials import Credentials
from controller.devices.registry import open_driver
from simulator.lab.netconf_cpe import HOW, available
from sites.enums import Platform
from tests.components import missing

pytestmark = pytest.mark.slow  # real NETCONF and SSH servers


@pytest.mark.parametrize(("kind", "shows"), [("netconf", "<data"), ("cli", "sysname HUAWEI")])
def test_lab_cpes_answer_and_ctrl_c_leaves_nothing_running(
    tmp_path: Path, kind: str, shows: str
) -> None:
    if kind == "netconf" and available() is not None:
        missing("NETCONF CPE emulator (netconfd, sshd)", HOW)
    branchline = Path(sys.executable).parent / "branchline"
    lab = subprocess.Popen(
        [str(branchline), "lab", "cpe", "--count", "2", "--kind", kind, "--dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    listing = tmp_path / "cpes.json"
    try:
        deadline = time.monotonic() + 60
        while not listing.exists():
            assert lab.poll() is None, lab.stderr.read() if lab.stderr else ""
            assert time.monotonic() < deadline, "the lab did not write cpes.json"
            time.sleep(0.2)
        cpes = json.loads(listing.read_text())
        assert [c["name"] for c in cpes] == ["lab-cpe-001", "lab-cpe-002"]
        for c in cpes:
            end = Endpoint(c["host"], c["port"],
                           Credentials(username=c["username"], key_file=Path(c["key_file"])),
                           host_key=c["host_key"])  # fmt: skip
            with open_driver(Platform(c["platform"]), end) as driver:
                assert shows in driver.get_running()
    finally:
        lab.send_signal(signal.SIGINT)
        stdout, stderr = lab.communicate(timeout=30)
    assert lab.returncode == 0, stderr
    assert "lab-cpe-002" in stdout and "stopped." in stderr
    for c in cpes:  # nothing listens any more
        with socket.socket() as probe:
            assert probe.connect_ex((c["host"], c["port"])) != 0
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True,
                               check=False)  # fmt: skip
    assert leftovers.stdout.strip() == ""
