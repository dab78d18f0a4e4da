"""Headless Debian Chromium for the tests that need a real browser (the map, the installer
page), kept off the Internet (DESIGN.md §3, "Browser"): every host name but 127.0.0.1 fails to
resolve, and nothing runs in the background."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.components import missing

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-features=NetworkTimeServiceQuerying", "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--enable-logging=stderr", "--v=0",
    "--virtual-time-budget=10000",  # lets the page's requests finish before the dump or shot
]  # fmt: skip


def need_chromium() -> None:
    if shutil.which(CHROMIUM) is None:
        missing("Chromium", "apt-get install -y chromium")


def chromium(
    profile: Path, *args: str, window: str = "1280,900"
) -> subprocess.CompletedProcess[str]:
    """Run Chromium once with its profile (cookies kept between runs) in `profile`."""
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--window-size={window}", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def console_errors(stderr: str) -> list[str]:
    """The page's console errors in Chromium's log."""
    return [
        line for line in stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "rror" in line)
    ]  # fmt: skip
