"""A factory-default CPE opening itself: it calls the controller's ZTP endpoint with its serial,
its port and its host key, verifies the day-0 bootstrap it gets with the controller's public key
(from its factory settings or a USB bundle), and applies it: it authorizes the controller's
login and takes the configuration. A bootstrap whose signature does not verify is refused, and
nothing of it is applied.

    day0 = call_home(url, serial, cpe.port, cpe.host_key, trusted_key, ca_file=ca)
    apply_day0(lab.servers[cpe.port], day0)
"""

from __future__ import annotations

import json
import ssl
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from simulator.errors import SimulatorError
from simulator.lab.cli_cpe import CliCpeServer
from sites.bootstrap import Signed, verify
from sites.config.cli_diff import cli_remediation

MAX_BOOTSTRAP_BYTES = 1 << 20


class BootstrapRefusedError(SimulatorError):
    """The controller refused the call-home (`status`: its HTTP status), or could not be
    reached (`status` None), or its answer is not a bootstrap this CPE trusts (`status` 200)."""

    def __init__(self, message: str, status: int | None = 200) -> None:
        super().__init__(message)
        self.status = status


def call_home(
    controller_url: str, serial: str, port: int, host_key: str, trusted_key: str, *,
    ca_file: Path | None = None, timeout_s: float = 15.0,
) -> dict[str, Any]:  # fmt: skip
    """The verified day-0 document (see module)."""
    body = json.dumps({"serial": serial, "port": port, "host_key": host_key}).encode()
    request = urllib.request.Request(
        f"{controller_url.rstrip('/')}/ztp/call-home", data=body,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s, context=context) as answer:
            text = answer.read(MAX_BOOTSTRAP_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise BootstrapRefusedError(f"the controller refused the call-home: {exc.code}",
                                    exc.code) from None  # fmt: skip
    except (urllib.error.URLError, OSError) as exc:
        raise BootstrapRefusedError(f"the controller could not be reached: {exc}", None) from None
    if len(text) > MAX_BOOTSTRAP_BYTES:
        raise BootstrapRefusedError("the bootstrap is larger than a CPE takes")
    try:
        signed = Signed(**json.loads(text))
        document = verify(signed, trusted_key)
    except (ValueError, TypeError) as exc:
        raise BootstrapRefusedError(f"bootstrap refused: {exc}") from None
    if document.get("serial") != serial:
        raise BootstrapRefusedError("bootstrap refused: it is for another device")
    return document


def apply_day0(server: CliCpeServer, day0: dict[str, Any]) -> None:
    """Authorize the controller's login and take the configuration, as typed lines."""
    login = day0["login"]
    server.authorize(login["username"], login["authorized_key"])
    device = server.device
    session = device.session()
    lines = cli_remediation(day0["config"], device.display()).remediation
    for line in ("system-view", *lines, "return"):
        answer, _ = session.handle(line)
        if answer.startswith("Error") or "\nError" in answer:
            raise BootstrapRefusedError(f"day-0 line {line.strip()!r} refused: {answer}")
    session.close()


class FactoryCpe:
    """An emulated CPE switched on at the branch in its factory settings: it calls home every
    `poll_s` (10 s: under the controller's limit of failed attempts per client) until the
    controller answers with a bootstrap (403 while nobody has claimed its
    serial; the controller unreachable), then verifies and applies it and stops. A bootstrap
    it cannot trust stops it too, with `error` saying why; nothing of it is applied."""

    def __init__(
        self, server: CliCpeServer, serial: str, controller_url: str, trusted_key: str, *,
        ca_file: Path | None = None, poll_s: float = 10.0,
    ) -> None:  # fmt: skip
        self.server = server
        self.serial = serial
        self.controller_url = controller_url
        self.trusted_key = trusted_key
        self.ca_file = ca_file
        self.poll_s = poll_s
        self.done = threading.Event()
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"factory-{serial}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        host_key = self.server.host_key_line
        while not self._stop.is_set():
            try:
                day0 = call_home(self.controller_url, self.serial, self.server.port, host_key,
                                 self.trusted_key, ca_file=self.ca_file)  # fmt: skip
                apply_day0(self.server, day0)
            except BootstrapRefusedError as exc:
                if exc.status in (None, 403, 429):  # not claimed yet, or not reachable
                    self._stop.wait(self.poll_s)
                    continue
                self.error = str(exc)
            self.done.set()
            return
