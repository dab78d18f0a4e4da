"""A factory-default CPE's DHCP client: it asks for option 143 (RFC 8572's SZTP redirect) and
takes the first bootstrap server's URL from it. The client is busybox's `udhcpc` (Debian package
`udhcpc`), run in a network namespace when one is given, so that the DHCP exchange stays on the
links a test creates; the address it leases is not configured anywhere.

    url = DhcpClient("veth-cpe", netns="bl-cpe").discover()
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from simulator.lab.common import LabError
from sites.bootstrap import SZTP_REDIRECT_OPTION, read_redirect

UDHCPC = "udhcpc"
IP = "ip"
HOW = "install the Debian package udhcpc (scripts/debian-packages.txt)"
MARK = "BRANCHLINE-OPTION="
SCRIPT = f"""#!/bin/sh
# udhcpc calls this at each event; on a lease, print what option {SZTP_REDIRECT_OPTION} held.
[ "$1" = bound ] && echo "{MARK}${{opt{SZTP_REDIRECT_OPTION}:-}}"
exit 0
"""


def available() -> str | None:
    """None when the client can run here, else what is missing and how to get it."""
    if shutil.which(UDHCPC) is None:
        return f"{UDHCPC} is missing: {HOW}"
    return None


class DhcpClient:
    def __init__(
        self, interface: str, *, netns: str | None = None, timeout_s: float = 20.0
    ) -> None:
        self.interface = interface
        self.netns = netns
        self.timeout_s = timeout_s

    def discover(self) -> str:
        """The first bootstrap server's URL the DHCP server gave; LabError when there is no
        lease, no option 143, or a malformed one."""
        missing = available()
        if missing is not None:
            raise LabError(missing)
        with tempfile.TemporaryDirectory(prefix="branchline-dhcp-") as directory:
            script = Path(directory) / "event.sh"
            script.write_text(SCRIPT)
            script.chmod(0o700)
            argv = [UDHCPC, "-i", self.interface, "-f", "-q", "-n", "-t", "5", "-T", "2",
                    "-O", str(SZTP_REDIRECT_OPTION), "-s", str(script)]  # fmt: skip
            if self.netns is not None:
                argv = [IP, "netns", "exec", self.netns, *argv]
            try:
                done = subprocess.run(argv, capture_output=True, text=True, check=False,
                                      timeout=self.timeout_s)  # fmt: skip
            except subprocess.TimeoutExpired:
                why = f"no DHCP lease on {self.interface} in {self.timeout_s:g} s"
                raise LabError(why) from None
        values = [line[len(MARK) :] for line in done.stdout.splitlines() if line.startswith(MARK)]
        if done.returncode != 0 or not values:
            last = done.stderr.strip().splitlines()[-1:] or ["no answer"]
            raise LabError(f"no DHCP lease on {self.interface}: {last[0]}")
        if not values[0]:
            raise LabError(f"the DHCP server gave no option {SZTP_REDIRECT_OPTION}")
        try:
            urls = read_redirect(bytes.fromhex(values[0]))
        except ValueError as exc:
            raise LabError(str(exc)) from None
        return urls[0]
