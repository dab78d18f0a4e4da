"""A branch's LAN for the DHCP tests: two network namespaces the test creates, joined by a veth
pair, with a real DHCP server (Debian's `dnsmasq`) in one handing out option 143, and the CPE's
DHCP client to run in the other. Nothing leaves them; both are deleted at the end, dnsmasq
stopped. Needs root (CI runs as root) and the packages of scripts/debian-packages.txt."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.components import missing

HOW = "run as root with the Debian packages iproute2 and dnsmasq-base (scripts/debian-packages.txt)"
SERVER_ADDRESS = "10.99.0.1"


@dataclass(frozen=True, slots=True)
class BranchLan:
    cpe_netns: str
    cpe_interface: str
    log: Path
    """dnsmasq's log (each exchange, the options it sent)."""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@contextmanager
def branch_lan(option: str, directory: Path) -> Iterator[BranchLan]:
    """`option`: dnsmasq's `dhcp-option-force` value (e.g. `143,00:16:68:...`)."""
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("dnsmasq"):
        missing("network namespaces with dnsmasq", HOW)
    tag = secrets.token_hex(3)
    server_ns, cpe_ns = f"bl-dhcp-{tag}", f"bl-cpe-{tag}"
    server_if, cpe_if = f"bls{tag}", f"blc{tag}"
    log = directory / "dnsmasq.log"
    dnsmasq = None
    try:
        _ip("netns", "add", server_ns)
        _ip("netns", "add", cpe_ns)
        _ip("link", "add", server_if, "type", "veth", "peer", "name", cpe_if)
        _ip("link", "set", server_if, "netns", server_ns)
        _ip("link", "set", cpe_if, "netns", cpe_ns)
        _ip("-n", server_ns, "addr", "add", f"{SERVER_ADDRESS}/24", "dev", server_if)
        for ns, interface in ((server_ns, server_if), (cpe_ns, cpe_if)):
            _ip("-n", ns, "link", "set", interface, "up")
        dnsmasq = subprocess.Popen(
            ["ip", "netns", "exec", server_ns, "dnsmasq", "--keep-in-foreground",
             "--conf-file=/dev/null", "--port=0", f"--interface={server_if}",
             "--bind-interfaces", "--dhcp-range=10.99.0.10,10.99.0.50,1h",
             f"--dhcp-option-force={option}", f"--dhcp-leasefile={directory / 'leases'}",
             f"--pid-file={directory / 'dnsmasq.pid'}", f"--log-facility={log}", "--log-dhcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not (log.exists() and "DHCP, IP range" in log.read_text()):
            if dnsmasq.poll() is not None or time.monotonic() > deadline:
                problem = dnsmasq.stderr.read() if dnsmasq.stderr else ""
                raise RuntimeError(f"dnsmasq did not start: {problem}")
            time.sleep(0.05)
        yield BranchLan(cpe_ns, cpe_if, log)
    finally:
        if dnsmasq is not None:
            dnsmasq.terminate()
            dnsmasq.wait(timeout=10)
        for ns in (server_ns, cpe_ns):  # deleting a namespace deletes its end of the veth
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
