"""The SSH CLI driver (netmiko), for CPEs of platform `huawei_vrp`: the configuration is the
text `display current-configuration` shows (`sites.config.vrp.render_vrp`), and what is typed
is the remediation between the running and the intended configuration
(`sites.config.cli_diff`), line by line in system view, each taking effect as it is typed.

A push, on the device:

1. `configuration exclusive`: the configuration lock (another session's: `LockedError`);
   the running configuration is read and kept as the backup, and saved on the device too
   (`save branchline-backup.cfg`) when the commit begins;
2. `configuration trial GUARD` before the first line: the device itself goes back to the backup
   unless confirmed, so a controller that dies while typing leaves it as it was;
3. the remediation lines, one at a time; a line the device refuses stops the push, the device
   goes back (`undo configuration trial`) and `CandidateRejectedError` names the line and the
   device's message;
4. the running configuration is read and must be the intended one (else the device goes back
   and `CommitError` says what differs);
5. with a confirm timeout, `configuration trial SECONDS` starts the device's timer again from
   now; the caller checks the device and confirms. `configuration confirm`, `save`,
   `undo configuration exclusive`.

Rollback after a confirm types the backup's remediation back and checks it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import paramiko
from netmiko import ConnectHandler
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoBaseException,
    NetmikoTimeoutException,
    ReadTimeout,
)

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
from sites.config.cli_diff import CliDiff, cli_remediation

PROMPT = r"[<\[][^\s<>\[\]]+[>\]]\s*$"
"""Any view's prompt at the end of what the device sent: `<name>`, `[name]`, `[name-view]`."""
_ERROR = re.compile(r"^Error: (.+)$", re.M)
_SAVE_QUESTION = r"\[Y/N\]:?\s*$"
BACKUP_FILE = "branchline-backup.cfg"
"""Where the running configuration is saved on the device before a push types anything."""
GUARD_S = 300
"""How long the device waits for our confirm while we type (step 2 of the module)."""


class CliDriver(SessionContext):
    """`DeviceDriver` over SSH to a VRP-like command line (see module)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._conn: Any = None
        self._host_key: str | None = None
        self._locked = False
        self._intended: str | None = None
        self._diff: CliDiff | None = None
        self._before: str | None = None
        self._pending = False  # a trial waits for its confirm

    @property
    def host_key(self) -> str | None:
        return self._host_key

    def open(self) -> None:
        end = self.endpoint
        creds = end.credentials
        with tempfile.TemporaryDirectory(prefix="branchline-hostkey-") as pins:
            known = Path(pins) / "known_hosts"
            if end.host_key:  # the pinned key, and no other, is accepted
                host = end.host if end.port == 22 else f"[{end.host}]:{end.port}"
                known.write_text(f"{host} {end.host_key}\n")
            with self._errors("connect"):
                self._conn = ConnectHandler(
                    device_type="huawei", host=end.host, port=end.port,
                    username=creds.username,
                    password=creds.password.get_secret_value() if creds.password else "",
                    key_file=str(creds.key_file) if creds.key_file else None,
                    use_keys=creds.key_file is not None, allow_agent=False,
                    ssh_strict=end.host_key is not None, system_host_keys=False,
                    alt_host_keys=end.host_key is not None, alt_key_file=str(known),
                    conn_timeout=end.timeout_s, auth_timeout=end.timeout_s,
                    banner_timeout=end.timeout_s, read_timeout_override=end.timeout_s,
                    fast_cli=True,
                )  # fmt: skip
        key = self._conn.remote_conn_pre.get_transport().get_remote_server_key()
        self._host_key = f"{key.get_name()} {key.get_base64()}"

    def close(self) -> None:
        if self._conn is None:
            return
        with suppress(DeviceError):
            if self._pending:  # not confirmed: the device goes back now, not when its timer ends
                self._command("undo configuration trial", "rollback")
                self._pending = False
            self._release()
        with suppress(Exception):  # the session may be gone already
            # Log out from user view (where every step leaves us) and close: netmiko's own
            # disconnect() looks for the prompt it saw at login, which `sysname` may have
            # changed, and waits 2 s for it.
            self._conn.write_channel("quit" + self._conn.RETURN)
            self._conn.remote_conn_pre.close()
        self._conn = None

    def get_running(self) -> str:
        return self._display("current-configuration")

    def load_candidate(self, config: str) -> None:
        if not re.search(r"^sysname \S", config, re.M):
            raise CandidateRejectedError(
                self.endpoint.name, "configuration: no sysname line: not a whole configuration"
            )
        self._lock()
        try:
            self._before = self.get_running()
            self._diff = _left(config, self._before)
        except DeviceError:
            self.discard()
            raise
        self._intended = config

    def compare(self) -> str:
        return "" if self._diff is None or self._diff.empty else "\n".join(self._diff.diff)

    def commit(self, confirm_timeout_s: int | None = None) -> None:
        if self._diff is None or self._before is None or self._intended is None:
            raise CommitError(self.endpoint.name, "nothing staged: load a candidate first")
        self._save(BACKUP_FILE)  # a copy on the device a person can go back to, whatever happens
        self._command(f"configuration trial {max(GUARD_S, confirm_timeout_s or 0)}", "commit")
        self._pending = True
        failed = self._type(self._diff.remediation)
        if failed is not None:
            line, message = failed
            self._restore()
            raise CandidateRejectedError(
                self.endpoint.name, f"line {line!r} refused: {message}", line
            )
        left = _left(self._intended, self.get_running())
        if not left.empty:
            self._restore()
            raise CommitError(
                self.endpoint.name,
                "the device does not run what was typed: " + "; ".join(left.remediation[:5]),
            )
        if confirm_timeout_s is None:
            self.confirm()
        else:  # the device's timer, from now
            self._command(f"configuration trial {int(confirm_timeout_s)}", "commit")

    def confirm(self) -> None:
        if not self._pending:
            raise CommitError(self.endpoint.name, "no confirmed commit waits for a confirm")
        self._pending = False
        answer = self._send("configuration confirm", "confirm")
        if "No configuration trial is running" in answer:
            self._release()
            raise ConfirmExpiredError(
                self.endpoint.name, "the confirm timer ran out: the device has reverted"
            )
        self._save()
        self._release()

    def discard(self) -> None:
        if self._conn is None:
            return
        self._intended = self._diff = None
        with suppress(DeviceError):
            self._release()

    def rollback(self) -> None:
        if self._pending:
            self._command("undo configuration trial", "rollback")
            self._pending = False
            self._release()
            return
        if self._before is None:
            raise RollbackError(self.endpoint.name, "nothing committed in this session")
        self._lock()
        try:
            self._put_back()
            self._save()
        finally:
            self._release()

    # -- helpers

    def _session(self) -> Any:
        if self._conn is None:
            raise ConnectError(self.endpoint.name, "not connected: open the driver first")
        return self._conn

    def _send(self, command: str, step: str, expect: str = PROMPT) -> str:
        with self._errors(step):
            text: str = self._session().send_command(
                command, expect_string=expect, strip_prompt=False, strip_command=True,
                read_timeout=self.endpoint.timeout_s,
            )  # fmt: skip
        # the prompt it ended with (netmiko strips only the one it saw at login: the device's
        # name changes with `sysname`)
        return re.sub(PROMPT, "", text.replace("\r\n", "\n")).rstrip(" ")

    def _command(self, command: str, step: str) -> str:
        """A user-view command whose `Error:` answer is a failure of `step`."""
        answer = self._send(command, step)
        refused = _ERROR.search(answer)
        if refused:
            kind = RollbackError if step == "rollback" else CommitError
            raise kind(self.endpoint.name, f"{step}: {command!r}: {refused.group(1)}")
        return answer

    def _display(self, what: str) -> str:
        text = self._send(f"display {what}", "read")
        lines = [line.rstrip() for line in text.strip("\n").splitlines()]
        return "\n".join(lines) + "\n"

    def _lock(self) -> None:
        answer = self._send("configuration exclusive", "lock")
        if "locked by another" in answer:
            raise LockedError(self.endpoint.name, "the configuration is locked by another session")
        self._locked = True

    def _release(self) -> None:
        if self._locked and self._conn is not None:
            self._send("undo configuration exclusive", "unlock")
        self._locked = False

    def _type(self, lines: tuple[str, ...]) -> tuple[str, str] | None:
        """Type `lines` in system view; the first line refused and why, else None. Back in user
        view either way."""
        conn = self._session()
        self._send("system-view", "load")
        try:
            for raw in lines:
                line = raw.strip()
                with self._errors("load"):
                    conn.write_channel(conn.normalize_cmd(line))
                    answer = conn.read_until_pattern(
                        pattern=PROMPT, read_timeout=self.endpoint.timeout_s
                    )
                refused = _ERROR.search(answer.replace("\r\n", "\n"))
                if refused:
                    return line, refused.group(1)
            return None
        finally:
            self._send("return", "load")

    def _save(self, file: str | None = None) -> None:
        """`save` (the startup configuration) or `save FILE`, answering its question."""
        answer = self._send(f"save {file}" if file else "save", "save", expect=_SAVE_QUESTION)
        answer = self._send("y", "save")
        if "successfully" not in answer:
            raise CommitError(self.endpoint.name, f"save: {answer.strip()[:200]}")

    def _restore(self) -> None:
        """After a failed push: the device goes back to where the trial began."""
        self._command("undo configuration trial", "rollback")
        self._pending = False
        self.discard()

    def _put_back(self) -> None:
        assert self._before is not None
        back = cli_remediation(self._before, self.get_running())
        failed = self._type(back.remediation)
        left = cli_remediation(self._before, self.get_running())
        if failed is not None or not left.empty:
            why = f"line {failed[0]!r}: {failed[1]}" if failed else "; ".join(left.remediation[:5])
            raise RollbackError(
                self.endpoint.name, f"the previous configuration is not back: {why}"
            )

    @contextmanager
    def _errors(self, step: str) -> Iterator[None]:
        """netmiko's and paramiko's exceptions, as ours (see controller.devices.errors)."""
        name = self.endpoint.name
        try:
            yield
        except paramiko.BadHostKeyException:
            raise HostKeyError(name, "its SSH host key is not the one pinned for it") from None
        except NetmikoAuthenticationException:
            user = self.endpoint.credentials.username
            raise AuthError(name, f"authentication refused for user {user!r}") from None
        except (ReadTimeout, TimeoutError):
            raise DeviceTimeoutError(name, f"no answer within {self.endpoint.timeout_s:g} s "
                                     f"({step})") from None  # fmt: skip
        except (NetmikoTimeoutException, paramiko.SSHException) as exc:
            if _host_key_refused(exc):
                raise HostKeyError(name, "its SSH host key is not the one pinned for it") from None
            raise ConnectError(name, f"{step}: {first_line(exc)}") from None
        except (NetmikoBaseException, OSError, EOFError) as exc:
            raise ConnectError(name, f"{step}: {first_line(exc)}") from None


def _left(intended: str, running: str) -> CliDiff:
    """What still separates the running configuration from the intended one: nothing when the
    device shows the text as rendered (no parse), else hier-config's remediation."""
    if running.strip() == intended.strip():
        return CliDiff((), (), ())
    return cli_remediation(intended, running)


def _host_key_refused(exc: BaseException | None) -> bool:
    """Whether paramiko refused the device's host key (netmiko wraps its exception, and says
    what it was in the message only)."""
    while exc is not None:
        text = str(exc)
        if isinstance(exc, paramiko.BadHostKeyException) or "known_hosts" in text:
            return True
        if "Host key for server" in text and "does not match" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False
