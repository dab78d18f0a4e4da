"""A factory-default CPE opening itself, as RFC 8572 (secure ZTP) has a device do it: it learns
where the controller is, from its factory settings, from a DHCP server (option 143, see
`simulator.lab.dhcp`) or from a USB bundle; it calls the controller's ZTP endpoint with its
serial, its port and its host key; it verifies the day-0 bootstrap it gets with the controller's
public key (from its factory settings, or the bundle's when it has none), and applies it: it
authorizes the controller's login and takes the configuration. A bootstrap that does not verify,
is for another device or has expired is refused, nothing of it is applied, and the device tells
the controller (`POST /ztp/report`) when it knows where the controller is.

    day0 = call_home(url, serial, target.port, target.host_key, trusted_key, ca_file=ca)
    target.apply(day0)

A target is the emulated device itself: an SSH CLI CPE (`CliTarget`) or a NETCONF CPE
(`NetconfTarget`).
"""

from __future__ import annotations

import json
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from simulator.errors import SimulatorError
from simulator.lab.cli_cpe import CliCpeServer
from simulator.lab.common import LabCpe, LabError
from simulator.lab.netconf_cpe import NetconfLab
from sites.bootstrap import Signed, read_bundle, verify
from sites.config.cli_diff import cli_remediation

MAX_BOOTSTRAP_BYTES = 1 << 20


class BootstrapRefusedError(SimulatorError):
    """The controller refused the call-home (`status`: its HTTP status), or could not be
    reached (`status` None), or its answer is not a bootstrap this CPE trusts (`status` 200)."""

    def __init__(self, message: str, status: int | None = 200) -> None:
        super().__init__(message)
        self.status = status


class Target(Protocol):
    """The emulated device a factory-default CPE is."""

    platform: str

    @property
    def port(self) -> int: ...

    @property
    def host_key(self) -> str: ...

    def apply(self, day0: dict[str, Any]) -> None:
        """Authorize the controller's login and take the configuration."""


class CliTarget:
    """An SSH CLI CPE (`simulator.lab.cli_cpe`): day-0 is typed as lines."""

    platform = "huawei_vrp"

    def __init__(self, server: CliCpeServer) -> None:
        self.server = server

    @property
    def port(self) -> int:
        return int(self.server.port)

    @property
    def host_key(self) -> str:
        return self.server.host_key_line

    def apply(self, day0: dict[str, Any]) -> None:
        apply_day0(self.server, day0)


class NetconfTarget:
    """A NETCONF CPE (`simulator.lab.netconf_cpe`): the login authorized on its port, the
    configuration committed."""

    platform = "netconf"

    def __init__(self, lab: NetconfLab, cpe: LabCpe) -> None:
        self.lab = lab
        self.cpe = cpe

    @property
    def port(self) -> int:
        return self.cpe.port

    @property
    def host_key(self) -> str:
        return self.cpe.host_key

    def apply(self, day0: dict[str, Any]) -> None:
        login = day0["login"]
        try:
            self.lab.authorize(self.cpe.port, login["username"], login["authorized_key"])
            self.lab.load(self.cpe.port, day0["config"])
        except LabError as exc:
            raise BootstrapRefusedError(f"day-0 not applied: {exc}") from None


def trusted_day0(signed: Signed, trusted_key: str, serial: str, platform: str) -> dict[str, Any]:
    """The bootstrap's document, if this device may take it (see module)."""
    try:
        document = verify(signed, trusted_key)
    except (ValueError, TypeError) as exc:
        raise BootstrapRefusedError(f"bootstrap refused: {exc}") from None
    if not isinstance(document, dict) or document.get("serial") != serial:
        raise BootstrapRefusedError("bootstrap refused: it is for another device")
    try:
        expires = datetime.fromisoformat(str(document.get("expires_at")))
    except ValueError:
        raise BootstrapRefusedError("bootstrap refused: it has no expiry") from None
    if expires.tzinfo is None:
        raise BootstrapRefusedError("bootstrap refused: its expiry has no time zone")
    if expires <= datetime.now(UTC):
        raise BootstrapRefusedError(f"bootstrap refused: it expired at {expires:%Y-%m-%d %H:%M}Z")
    if document.get("platform", platform) != platform:
        raise BootstrapRefusedError(f"bootstrap refused: it configures a {document['platform']} "
                                    f"device, this one is {platform}")  # fmt: skip
    login = document.get("login")
    if not (
        isinstance(document.get("config"), str) and isinstance(login, dict)
        and isinstance(login.get("username"), str)
        and isinstance(login.get("authorized_key"), str)
    ):  # fmt: skip
        raise BootstrapRefusedError("bootstrap refused: its login or configuration is malformed")
    return document


def call_home(
    controller_url: str, serial: str, port: int, host_key: str, trusted_key: str, *,
    ca_file: Path | None = None, timeout_s: float = 15.0, platform: str = "huawei_vrp",
) -> dict[str, Any]:  # fmt: skip
    """The verified day-0 document (see module)."""
    body = {"serial": serial, "port": port, "host_key": host_key}
    text = _post(
        controller_url, "/ztp/call-home", body, ca_file, timeout_s=timeout_s, what="call-home"
    )
    if len(text) > MAX_BOOTSTRAP_BYTES:
        raise BootstrapRefusedError("the bootstrap is larger than a CPE takes")
    try:
        signed = Signed(**json.loads(text))
    except (ValueError, TypeError) as exc:
        raise BootstrapRefusedError(f"bootstrap refused: {exc}") from None
    return trusted_day0(signed, trusted_key, serial, platform)


def report(
    controller_url: str, serial: str, step: str, detail: str, *, ca_file: Path | None = None,
    timeout_s: float = 15.0,
) -> None:  # fmt: skip
    """Tell the controller what went wrong on the device (RFC 8572's progress report)."""
    body = {"serial": serial, "step": step, "detail": detail[:300]}
    _post(controller_url, "/ztp/report", body, ca_file, timeout_s=timeout_s, what="report")


def open_bundle(
    data: bytes, serial: str, trusted_key: str | None, platform: str
) -> tuple[dict[str, Any], str]:
    """A USB bundle's verified day-0 document, and the key the device trusts from now on: its
    factory key, or the bundle's when it has none."""
    try:
        signed, carried = read_bundle(data)
    except ValueError as exc:
        raise BootstrapRefusedError(f"USB bundle refused: {exc}") from None
    key = trusted_key or carried
    return trusted_day0(signed, key, serial, platform), key


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
    """An emulated CPE switched on at the branch in its factory settings. It finds the
    controller (`controller_url`; else `discover()`, e.g. a DHCP client; a USB `bundle` first,
    which it applies and which names the controller), then calls home every `poll_s` (10 s:
    under the controller's limit of failed attempts per client) until the controller answers
    with a bootstrap (403 while nobody has claimed its serial, 409 while a serial opened before
    is not claimed again; the controller unreachable),
    verifies and applies it and stops. A bootstrap it cannot trust stops it too, with `error`
    saying why and the controller told; nothing of it is applied."""

    def __init__(
        self, target: Target, serial: str, controller_url: str | None,
        trusted_key: str | None, *, ca_file: Path | None = None, poll_s: float = 10.0,
        bundle: Path | None = None, discover: Callable[[], str] | None = None,
    ) -> None:  # fmt: skip
        self.target = target
        self.serial = serial
        self.controller_url = controller_url
        self.trusted_key = trusted_key
        self.ca_file = ca_file
        self.poll_s = poll_s
        self.bundle = bundle
        self.discover = discover
        self.done = threading.Event()
        self.error: str | None = None
        self.source: str | None = None
        """Where it learnt the controller's address: factory, dhcp or usb."""
        self.telemetry: dict[str, Any] | None = None
        """Where and with which token it reports its telemetry, once opened."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"factory-{serial}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            url = self._controller()
        except BootstrapRefusedError as exc:
            self.error = str(exc)
            if self.controller_url is not None:
                self._report(self.controller_url, str(exc))
            self.done.set()
            return
        while url is not None and not self._stop.is_set():
            try:
                if self.trusted_key is None:
                    raise BootstrapRefusedError(
                        "no key of the controller to verify with: "
                        "give one in its factory settings or a bundle"
                    )
                day0 = call_home(url, self.serial, self.target.port, self.target.host_key,
                                 self.trusted_key, ca_file=self.ca_file,
                                 platform=self.target.platform)  # fmt: skip
                self.target.apply(day0)
                self.telemetry = day0.get("telemetry")
            except BootstrapRefusedError as exc:
                # Not claimed yet (403; 409 once provisioned before: reset to its factory
                # settings, it waits to be claimed again), or not reachable.
                if exc.status in (None, 403, 409, 429):
                    self._stop.wait(self.poll_s)
                    continue
                self.error = str(exc)
                self._report(url, str(exc))
            self.done.set()
            return

    def _controller(self) -> str | None:
        """Where to call home (the bundle applied first, when there is one)."""
        if self.bundle is not None:
            data = self.bundle.read_bytes()[: 2 << 20]
            day0, self.trusted_key = open_bundle(data, self.serial, self.trusted_key,
                                                 self.target.platform)  # fmt: skip
            self.target.apply(day0)
            self.source = "usb"
            return str(day0["controller"]["url"])
        if self.controller_url is not None:
            self.source = "factory"
            return self.controller_url
        while self.discover is not None and not self._stop.is_set():
            try:
                url = self.discover()
            except (LabError, OSError):
                self._stop.wait(self.poll_s)
                continue
            self.source = "dhcp"
            return url
        return None

    def _report(self, url: str, why: str) -> None:
        with suppress(BootstrapRefusedError):  # not told: `error` still says why
            report(url, self.serial, "bootstrap-refused", why, ca_file=self.ca_file)


def _post(
    base: str, path: str, body: dict[str, Any], ca_file: Path | None, *, timeout_s: float,
    what: str,
) -> bytes:  # fmt: skip
    request = urllib.request.Request(
        f"{base.rstrip('/')}{path}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s, context=context) as answer:
            text: bytes = answer.read(MAX_BOOTSTRAP_BYTES + 1)
            return text
    except urllib.error.HTTPError as exc:
        raise BootstrapRefusedError(f"the controller refused the {what}: {exc.code}",
                                    exc.code) from None  # fmt: skip
    except (urllib.error.URLError, OSError) as exc:
        raise BootstrapRefusedError(f"the controller could not be reached: {exc}", None) from None
