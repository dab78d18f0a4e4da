"""`branchline demo`, the main job of `make demo`: up within 30 s, stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.error import URLError

from tests.components import free_port
from tests.conftest import BRANCHLINE


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def test_demo_serves_the_reference_network_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    proc = subprocess.Popen(
        [str(BRANCHLINE), "demo", "--port", str(port)],
        env={**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
        page = get_json(f"{base}/sites?branch_class=A&limit=1")
        assert isinstance(page, dict)
        assert page["total"] > 0

        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        _, stderr = proc.communicate(timeout=15)
        assert proc.returncode == 0, stderr
        assert "Finished server process" in stderr
        assert "Traceback" not in stderr
        assert (tmp_path / "demo" / "branchline.db").exists()  # the embedded database
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
