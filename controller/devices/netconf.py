"""The NETCONF driver (ncclient), for CPEs of platform `netconf` running the `branchline-cpe`
YANG module: the candidate datastore, locked while we stage; `validate`; `commit confirmed`
with a timer the device enforces; `cancel-commit` to go back before the confirm.

The configuration text is the module's XML (`sites.config.xml.render_xml`). A lock is never
left behind: every failure after taking it discards the candidate and unlocks, and a session
that ends (our process dying included) releases it on the device.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any
from xml.etree import ElementTree as ET

from ncclient import manager
from ncclient.operations.errors import TimeoutExpiredError
from ncclient.operations.rpc import RPCError
from ncclient.transport import session as _session
from ncclient.transport.errors import (
    AuthenticationError,
    SSHUnknownHostError,
    TransportError,
)
from ncclient.xml_ import to_ele

from controller.devices.base import Endpoint, SessionContext
from controller.devices.errors import (
    AuthError,
    CandidateRejectedError,
    CommitError,
    ConfirmExpiredError,
    ConnectError,
    DeviceError,
    DeviceTimeoutError,
    HostKeyError,
    LockedError,
    RollbackError,
    first_line,
)
from sites.config.diff import diff_configs
from sites.config.model import CpeConfig
from sites.config.schema import NAMESPACE, ROOT
from sites.config.xml import NC, parse_xml
from sites.errors import ConfigError

# ncclient's session thread sends a queued request only when its select() returns, every TICK
# (0.1 s) when the device is quiet: up to 100 ms added to every RPC, 1.3 s of a push's 1.9 s
# against our emulated CPEs (0.6 s now). 10 ms keeps the wait small, at the cost of a thread
# per open session waking 100 times a second (bench/bench_push.py).
_session.TICK = 0.01

_CPE = f"{{{NAMESPACE}}}{ROOT}"
_LOCK_TAGS = {"lock-denied", "in-use", "resource-denied"}
_FAILURES: dict[str, type[DeviceError]] = {
    "commit": CommitError,
    "confirm": CommitError,
    "rollback": RollbackError,
}


class NetconfDriver(SessionContext):
    """`DeviceDriver` over NETCONF (see module)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._m: Any = None
        self._host_key: str | None = None
        self._locked = False
        self._staged: CpeConfig | None = None
        self._before: str | None = None
        self._pending = False  # a confirmed commit waits for its confirm

    @property
    def host_key(self) -> str | None:
        return self._host_key

    def open(self) -> None:
        end = self.endpoint
        creds = end.credentials
        pinned = end.host_key.split()[1] if end.host_key else None
        with self._errors("connect"):
            self._m = manager.connect(
                host=end.host, port=end.port, username=creds.username,
                password=creds.password.get_secret_value() if creds.password else None,
                key_filename=str(creds.key_file) if creds.key_file else None,
                allow_agent=False, look_for_keys=False, timeout=end.timeout_s,
                hostkey_verify=pinned is not None, hostkey_b64=pinned,
                unknown_host_cb=lambda _host, _fingerprint: False,
                device_params={"name": "default"}, manager_params={"timeout": end.timeout_s},
            )  # fmt: skip
        key = self._m._session._transport.get_remote_server_key()
        self._host_key = f"{key.get_name()} {key.get_base64()}"

    def close(self) -> None:
        if self._m is None:
            return
        if self._locked:
            self.discard()
        with suppress(Exception):  # the session may be gone already; the device cleans up
            self._m.close_session()
        self._m = None

    def get_running(self) -> str:
        return self._get("running")

    def load_candidate(self, config: str) -> None:
        # What the device decides: a configuration our model refuses still goes to it (and
        # is refused there); what it would accept is kept to check the confirm against.
        try:
            staged = parse_xml(config)
        except ConfigError:
            staged = None
        payload = self._payload(config, empty_removes=False)  # before the lock: nothing to undo
        with self._errors("lock"):
            self._session().lock("candidate")
        self._locked = True
        try:
            with self._errors("load"):
                self._m.discard_changes()  # start from what runs, not another session's edits
                self._m.edit_config(target="candidate", config=payload)
                # The configuration itself, not the candidate datastore: with netconfd, a
                # <validate> of the candidate made the next confirmed commit run what the
                # candidate held before (tests/devices/test_netconf_driver.py).
                self._m.validate(source=to_ele(payload))
        except DeviceError:
            self.discard()
            raise
        self._staged = staged

    def compare(self) -> str:
        running = self._parsed(self._get("running"))
        candidate = self._parsed(self._get("candidate"))
        return "\n".join(change.render() for change in diff_configs(candidate, running))

    def commit(self, confirm_timeout_s: int | None = None) -> None:
        if not self._locked:
            raise CommitError(self.endpoint.name, "nothing staged: load a candidate first")
        self._before = self._get("running")
        with self._errors("commit"):
            if confirm_timeout_s is None:
                self._m.commit()
            else:
                self._m.commit(confirmed=True, timeout=str(int(confirm_timeout_s)))
        self._pending = confirm_timeout_s is not None
        if not self._pending:
            self._release()

    def confirm(self) -> None:
        if not self._pending:
            raise CommitError(self.endpoint.name, "no confirmed commit waits for a confirm")
        if self._staged is not None and self._parsed(self._get("running")) != self._staged:
            self._pending = False
            self._release()
            raise ConfirmExpiredError(
                self.endpoint.name, "the confirm timer ran out: the device has reverted"
            )
        with self._errors("confirm"):
            self._m.commit()
        self._pending = False
        self._release()

    def discard(self) -> None:
        if self._m is None:
            return
        with suppress(RPCError, TransportError, TimeoutExpiredError, TimeoutError):
            self._m.discard_changes()
        self._staged = None
        self._release()

    def rollback(self) -> None:
        if self._pending:
            with self._errors("rollback"):
                self._m.cancel_commit()
            self._pending = False
            self._release()
            return
        if self._before is None:
            raise RollbackError(self.endpoint.name, "nothing committed in this session")
        payload = self._payload(self._before, empty_removes=True)  # nothing ran: remove ours
        with self._errors("rollback"):
            self._session().lock("candidate")
            self._locked = True
            self._m.edit_config(target="candidate", config=payload)
            self._m.commit()
        self._release()

    # -- helpers

    def _session(self) -> Any:
        if self._m is None:
            raise ConnectError(self.endpoint.name, "not connected: open the driver first")
        return self._m

    def _get(self, source: str) -> str:
        with self._errors("read"):
            text: str = self._session().get_config(source).data_xml
        return text

    def _release(self) -> None:
        if self._locked and self._m is not None:
            with suppress(RPCError, TransportError, TimeoutExpiredError, TimeoutError):
                self._m.unlock("candidate")
        self._locked = False

    def _payload(self, config: str, *, empty_removes: bool) -> str:
        try:
            return _replacing(config, empty_removes=empty_removes)
        except (ConfigError, ET.ParseError) as exc:
            raise CandidateRejectedError(self.endpoint.name, f"configuration: {exc}") from None

    def _parsed(self, text: str) -> CpeConfig | None:
        try:
            return parse_xml(text)
        except ConfigError as exc:
            raise CandidateRejectedError(self.endpoint.name, f"configuration: {exc}") from None

    @contextmanager
    def _errors(self, step: str) -> Iterator[None]:
        """ncclient's and paramiko's exceptions, as ours (see controller.devices.errors)."""
        name = self.endpoint.name
        try:
            yield
        except SSHUnknownHostError:
            raise HostKeyError(name, "its SSH host key is not the one pinned for it") from None
        except AuthenticationError:
            user = self.endpoint.credentials.username
            raise AuthError(name, f"authentication refused for user {user!r}") from None
        except (TimeoutExpiredError, TimeoutError):
            raise DeviceTimeoutError(name, f"no answer within {self.endpoint.timeout_s:g} s "
                                     f"({step})") from None  # fmt: skip
        except RPCError as exc:
            raise _rpc_error(name, step, exc) from None
        except (TransportError, OSError) as exc:
            raise ConnectError(name, f"{step}: {first_line(exc)}") from None


def _rpc_error(name: str, step: str, exc: RPCError) -> DeviceError:
    """The device's rpc-error(s) as ours: every error's path and message, the first's tag."""
    found = getattr(exc, "errors", None) or [exc]
    tag = getattr(found[0], "_tag", None)
    if tag in _LOCK_TAGS:
        return LockedError(name, "the configuration is locked by another session")
    parts, where = [], None
    for error in found:
        message = first_line(getattr(error, "_message", None) or tag or "rpc-error")
        path = _short_path(getattr(error, "_path", None))
        where = where or path
        parts.append(f"{message} at {path}" if path else message)
    detail = f"{step}: " + "; ".join(dict.fromkeys(parts))
    if step == "load":
        return CandidateRejectedError(name, detail, where)
    kind: type[DeviceError] = _FAILURES.get(step, CommitError)
    return kind(name, detail)


def _short_path(path: str | None) -> str | None:
    """An error-path without the RPC's own steps and prefixes: /cpe/wan-link[link='x']/upper-pct."""
    if not path or not path.strip():
        return None
    steps = [step for step in path.strip().split("/") if step and not step.startswith("nc:")]
    return "/" + "/".join(re.sub(r"\b[a-z]+:", "", step) for step in steps)


def _replacing(config: str, *, empty_removes: bool) -> str:
    """The edit-config payload that makes `config` the whole `<cpe>` container: `config` is a
    `<cpe>` document or a `get-config` answer. One without `<cpe>` removes the container when
    `empty_removes` (restoring a device that ran nothing), else it is refused."""
    if "<!DOCTYPE" in config.upper() or "<!ENTITY" in config.upper():
        raise ConfigError("a configuration with a DTD or entities is refused")
    root = ET.fromstring(config)
    cpe = root if root.tag == _CPE else root.find(f".//{_CPE}")
    if cpe is None:
        if not empty_removes:
            raise ConfigError(f"no <{ROOT}> element in the {NAMESPACE} namespace")
        cpe = ET.Element(_CPE)
        cpe.set(f"{{{NC}}}operation", "remove")
    else:
        cpe.set(f"{{{NC}}}operation", "replace")
    outer = ET.Element(f"{{{NC}}}config")
    outer.append(cpe)
    return ET.tostring(outer, encoding="unicode")
