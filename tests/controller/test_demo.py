"""`branchline demo`, the main job of `make demo`: up within 30 s, stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from urllib.error import URLError

import pytest

from tests.components import free_port
from tests.conftest import BRANCHLINE

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

TOKEN = re.compile(r"admin token for this demo: (bl_\S+)")


def get_json(url: str, token: str | None = None) -> object:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_demo_serves_the_reference_network_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    proc = subprocess.Popen(
        [str(BRANCHLINE), "demo", "--port", str(port)],
        env={**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    reader.start()
    try:
        started = time.monotonic()
        health: object = None
        while time.monotonic() - started < 30 and proc.poll() is None:
            try:
                health = get_json(f"{base}/health")
                break
            except (URLError, ConnectionError):
                time.sleep(0.2)
        assert isinstance(health, dict), "the API did not come up within 30 s"
        assert health["sites"] == 341
        [token] = [m.group(1) for line in lines if (m := TOKEN.search(line))]
        page = get_json(f"{base}/sites?branch_class=A&limit=1", token)
        assert isinstance(page, dict)
        assert page["total"] > 0
        # The demo's simulated CPEs report every second and the loop decides every 5 s: paths
        # appear for a branch without anyone posting telemetry.
        site = page["items"][0]["id"]
        paths: object = []
        deadline = time.monotonic() + 40
        while not paths and time.monotonic() < deadline:
            time.sleep(0.5)
            paths = get_json(f"{base}/sites/{site}/paths", token)
        assert isinstance(paths, list) and paths, "no decisions from the demo feed within 40 s"

        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        proc.wait(timeout=15)
        reader.join(timeout=5)
        stderr = "".join(lines)
        assert proc.returncode == 0, stderr
        assert "Finished server process" in stderr
        assert "Traceback" not in stderr
        assert (tmp_path / "demo" / "branchline.db").exists()  # the embedded database
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
