"""Headless Debian Chromium for the tests that need a real browser (the map, the installer
page), kept off the Internet (DESIGN.md §3, "Browser"): every host name but 127.0.0.1 fails to
resolve, and nothing runs in the background."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

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


ERR_NAME_NOT_RESOLVED = -105


def _loopback(address: str) -> bool:
    host = urlsplit(address if "//" in address else f"//{address}").hostname
    return host in {"127.0.0.1", "localhost", "::1"}


def leaks(net_log: Path) -> list[str]:
    """What in the net log reached past loopback: a TCP connection or UDP datagram to another
    address, or a URL request that got further than name resolution.

    Chromium itself asks Google hosts (sign-in, updates) whatever the flags; the resolver rule
    fails those before any packet leaves (ERR_NAME_NOT_RESOLVED), and its IPv6 probe only
    `connect()`s a UDP socket, which sends nothing. Those are not leaks. Anything the page
    itself asks for outside loopback is one, resolved or not.
    """
    log = json.loads(net_log.read_text(encoding="utf-8", errors="replace"))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    urls: dict[int, str] = {}
    errors: dict[int, int] = {}
    udp_peer: dict[int, str] = {}
    found = []
    for event in log["events"]:
        kind, source, params = types[event["type"]], event["source"]["id"], event.get("params", {})
        if kind == "URL_REQUEST_START_JOB" and "url" in params:
            urls[source] = params["url"]
            if _loopback(params.get("initiator", "")) and not _loopback(params["url"]):
                found.append(f"the page asked for {params['url']}")
        if kind == "REQUEST_ALIVE" and "net_error" in params:
            errors[source] = params["net_error"]
        if (
            kind == "TCP_CONNECT_ATTEMPT"
            and "address" in params
            and not _loopback(params["address"])
        ):
            found.append(f"TCP connection to {params.get('address')}")
        if kind == "UDP_CONNECT":
            udp_peer[source] = params.get("address", "")
        if kind == "UDP_BYTES_SENT" and not _loopback(udp_peer.get(source, "")):
            found.append(f"UDP datagram to {udp_peer.get(source)}")
    for source, url in urls.items():
        if url.startswith(("data:", "blob:")) or _loopback(url):
            continue
        if errors.get(source) != ERR_NAME_NOT_RESOLVED:
            found.append(f"request to {url} (net error {errors.get(source)})")
    return found


def page_requests(net_log: Path, origin: str) -> set[str]:
    """The URLs the page itself asked for (its origin as the initiator)."""
    text = net_log.read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r'"url":\s*"(' + re.escape(origin) + r'[^"]*)"', text))
