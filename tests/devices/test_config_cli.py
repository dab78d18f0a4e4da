"""`branchline devices` and `branchline config` as an operator uses them, against SSH CLI CPEs
started with `branchline lab cpe`: enrol the lab, preview, push, status, history, drift."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from controller.devices.base import Endpoint
from controller.devices.credentials import resolve
from controller.devices.registry import open_driver
from sites.enums import Platform
from tests.conftest import BRANCHLINE

pytestmark = pytest.mark.slow  # real SSH CLI CPEs, the command line in processes


def test_enrol_a_lab_preview_push_and_watch_for_drift(tmp_path: Path) -> None:
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([BRANCHLINE, *args], capture_output=True, text=True, env=env,
                              check=False, timeout=120)  # fmt: skip

    inventory = Path(__file__).parents[1] / "sites" / "data" / "cpe.yaml"
    assert run("inventory", "import", str(inventory)).returncode == 0
    lab = subprocess.Popen([BRANCHLINE, "lab", "cpe", "--kind", "cli", "--count", "2", "--dir",
                            str(tmp_path / "lab")], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        listing = tmp_path / "lab" / "cpes.json"
        deadline = time.monotonic() + 60
        while not listing.exists():
            assert lab.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        enrolled = run("devices", "enroll-lab", str(listing), "--site", "br-hangzhou-001")
        assert enrolled.returncode == 0, enrolled.stderr
        assert "HZ-0001" in enrolled.stdout and "HZ-0002" in enrolled.stdout
        preview = run("config", "preview")
        assert "+ sysname br-hangzhou-001-1" in preview.stdout, preview.stderr
        assert "4 CPEs not enrolled" in preview.stderr
        pushed = run("config", "push")
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        assert "job 1 (operator, branchline config push): done" in pushed.stdout
        assert run("config", "status").stdout.count("pushed") == 2
        history = run("config", "history", "--device", "HZ-0002")
        assert "HZ-0002" in history.stdout and "cli:" in history.stdout
        assert run("config", "drift").returncode == 0
        # Changed by hand on the device: drift exits 1 and names the line.
        cpe = json.loads(listing.read_text())[0]
        end = Endpoint(cpe["host"], cpe["port"], resolve(cpe["credentials_ref"]),
                       host_key=cpe["host_key"])  # fmt: skip
        with open_driver(Platform.HUAWEI_VRP, end) as driver:
            running = driver.get_running()
            driver.load_candidate(running.replace("headless-after 30", "headless-after 99"))
            driver.commit()
        drift = run("config", "drift")
        assert drift.returncode == 1
        assert "drifted" in drift.stdout and "headless-after 99" in drift.stdout
        # A canary push puts it right: the site first, watched (no telemetry: nothing to
        # compare with), then the rest (nothing else enrolled).
        canary = run("config", "push", "--canary", "br-hangzhou-001", "--watch", "1")
        assert canary.returncode == 0, canary.stdout + canary.stderr
        assert "canary: continued" in canary.stdout
        assert "br-hangzhou-001: within SLA no data before, no data after" in canary.stdout
        assert run("config", "drift").returncode == 0
    finally:
        lab.send_signal(signal.SIGINT)
        lab.wait(timeout=60)
