"""No credential reaches the controller's log: `branchline serve` at INFO writes one line per
request, and the map's documented `?token=` must not appear in it, whether the token is good,
bad, or sent to a route that does not exist. Nor does a forged client address."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from controller.auth.principal import Role
from controller.settings import Settings
from controller.stores import open_store
from sites.inventory import Inventory
from tests.components import free_port

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

BRANCHLINE = Path(sys.executable).parent / "branchline"


def _get(url: str) -> int:
    """GET as a browser would: following redirects, keeping cookies."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    try:
        with browser.open(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _up(url: str) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(url) == 200:
                return True
        except OSError:
            time.sleep(0.2)
    return False


def test_tokens_in_urls_are_redacted_in_the_access_log(
    tmp_path: Path, small_inventory: Inventory
) -> None:
    store = open_store(Settings(data_dir=tmp_path))
    store.replace_inventory(small_inventory, "test-setup")
    store.users.add("watcher", Role.VIEWER, None, actor="test-setup")
    token = store.users.create_token("watcher", "map", actor="test-setup").text
    store.engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "BRANCHLINE_DATA_DIR": str(tmp_path),
        "BRANCHLINE_RECONCILE_INTERVAL_S": "0",
    }
    proc = subprocess.Popen(
        [str(BRANCHLINE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        assert _up(f"{base}/api/v1/health"), "the controller did not start"
        assert _get(f"{base}/map?token={token}") == 200
        assert _get(f"{base}/map/status.json?token={token}&x=1") == 200
        assert _get(f"{base}/map?token=bl_not_a_real_token") == 401
        assert _get(f"{base}/nowhere?token={token}") == 404
        forged = urllib.request.Request(
            f"{base}/api/v1/health?forged=1", headers={"X-Forwarded-For": "203.0.113.9"}
        )
        with urllib.request.urlopen(forged, timeout=10) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert 'GET /map?token=[redacted] HTTP/1.1" 303' in output  # logged, the token not
    assert 'GET /map HTTP/1.1" 200' in output  # then the map, from its session cookie
    assert token not in output
    assert "bl_not_a_real_token" not in output
    # No proxy is trusted unless a setting names it: a local client cannot pose as another.
    assert "127.0.0.1:" in next(line for line in output.splitlines() if "forged=1" in line)
    assert "203.0.113.9" not in output
