"""SSH CLI CPEs: the VRP-like device of `simulator.lab.vrp` behind fakenos's SSH server, one
server per CPE on a loopback port. netmiko talks to it as to a Huawei router (`huawei`): the
prompt says the view, typed lines are echoed and take effect at once, a bad line is refused
with a caret and `Error: ...`, and `display current-configuration` shows what runs.

    with CliLab(count=3, directory=tmp) as cpes:
        cpes[0].port, cpes[0].host_key ...

From fakenos we keep the server's life cycle (`TCPServerBase`: a listening thread, a thread per
connection, stop), its shell plugin interface (`CMDShell`) and NOS plugin (`Nos`, whose
`device` is our `VrpDevice`). Two parts are ours: the connection handler, because fakenos's
passes one byte per 10 ms to the shell (a 2 KB configuration took 20 s to type), and the
login, because fakenos's takes only one fixed password and one fixed RSA host key, where a
CPE has its own host key and takes the lab's client key.

Each CPE starts from the factory configuration (`sysname HUAWEI`); `stop(port)` takes one
down (nothing listens on its port any more), as an unreachable device.
"""

from __future__ import annotations

import getpass
import io
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fakenos.core.nos import Nos
from fakenos.plugins.servers.ssh_server_paramiko import ParamikoSshServer
from fakenos.plugins.shell.cmd_shell import CMDShell
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from simulator.lab.common import LabCpe, LabError, free_ports
from simulator.lab.vrp.device import Session, VrpDevice

log = logging.getLogger(__name__)

MAX_LINE = 4096
"""A longer typed line is cut there (a device's input buffer is finite)."""
LOGIN_TIMEOUT_S = 30.0


class VrpShell(CMDShell):
    """fakenos's shell plugin, every line handed to the session of our VRP-like device."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        device: VrpDevice = self.nos.device
        self.session: Session = device.session()
        self.intro = "Info: The max number of VTY users is 10."
        self.prompt = self.session.prompt

    def onecmd(self, line: str) -> bool:
        output, stop = self.session.handle(line)
        if output:
            self.stdout.write(output + "\n")
        self.prompt = self.session.prompt
        if stop:
            self.stdout.flush()
        return stop

    def postloop(self) -> None:
        self.session.close()


class _ChannelIO:
    """The shell's stdin and stdout on an SSH channel: typed bytes are echoed as they come,
    lines end at CR or LF (CRLF counts once), output goes out at each flush with LF as CRLF."""

    def __init__(self, channel: paramiko.Channel) -> None:
        self.channel = channel
        self._buffer = bytearray()
        self._lines: list[str] = []
        self._after_cr = False
        self._out: list[str] = []

    def readline(self) -> str:
        while not self._lines:
            try:
                data = self.channel.recv(4096)
            except (OSError, EOFError, paramiko.SSHException):
                data = b""
            if not data:
                return ""  # the client left: the shell ends
            self._take(data)
        return self._lines.pop(0)

    def _take(self, data: bytes) -> None:
        echo = bytearray()
        for byte in data:
            if byte == 0x0A and self._after_cr:
                self._after_cr = False
                continue
            self._after_cr = byte == 0x0D
            if byte in (0x0A, 0x0D):
                echo += b"\r\n"
                line = self._buffer.decode("utf-8", errors="replace")[:MAX_LINE]
                self._lines.append(line + "\n")
                self._buffer.clear()
            else:
                echo.append(byte)
                if len(self._buffer) < MAX_LINE:
                    self._buffer.append(byte)
        self.write_bytes(bytes(echo))

    def write(self, text: str) -> None:
        self._out.append(text)

    def flush(self) -> None:
        """Send what the shell wrote since the last flush: the shell flushes after each prompt,
        so an answer and its prompt go out together, not a packet per line."""
        if self._out:
            text, self._out = "".join(self._out), []
            self.write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode())

    def write_bytes(self, data: bytes) -> None:
        with suppress(OSError, EOFError, paramiko.SSHException):  # the client left: readline()
            self.channel.sendall(data)  # ends the shell


class _Login(paramiko.ServerInterface):
    """Users with their authorized keys (base64); a shell on a pty, nothing else."""

    def __init__(self, authorized: dict[str, set[str]]) -> None:
        self.authorized = authorized
        self.shell = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        ours = key.get_base64() in self.authorized.get(username, set())
        return AUTH_SUCCESSFUL if ours else AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, *args: Any) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.shell.set()
        return True


class CliCpeServer(ParamikoSshServer):
    """fakenos's SSH server, with the CPE's own host key, the lab's client key, and a
    connection handler that passes input at line rate (see module)."""

    def __init__(
        self, *, host_key: paramiko.PKey, username: str, client_key: str, port: int
    ) -> None:
        nos = Nos(name="branchline_vrp", initial_prompt="<{base_prompt}>")
        nos.device = VrpDevice()
        super().__init__(
            shell=VrpShell, nos=nos, nos_inventory_config={}, port=port, username=username,
            password="", shell_configuration={"base_prompt": "HUAWEI"}, address="127.0.0.1",
        )  # fmt: skip
        self._ssh_server_key = host_key
        self.authorized: dict[str, set[str]] = {username: {client_key}}

    def _bind_sockets(self) -> None:
        # fakenos listens in its accepting thread, after start() has returned: a client quick
        # enough was refused. Listening here, the port takes connections once start() returns.
        super()._bind_sockets()
        assert self._socket is not None
        self._socket.listen(128)

    @property
    def host_key_line(self) -> str:
        """The CPE's SSH host key as a known_hosts line part ("ssh-ed25519 AAAA...")."""
        key = self._ssh_server_key
        return f"{key.get_name()} {key.get_base64()}"

    def authorize(self, username: str, public_key: str) -> None:
        """Let `username` log in with `public_key` ("ssh-ed25519 AAAA..."), as a day-0
        configuration does for the controller's login."""
        self.authorized.setdefault(username, set()).add(public_key.split()[1])

    @property
    def device(self) -> VrpDevice:
        device: VrpDevice = self.nos.device
        return device

    def connection_function(self, client: socket.socket, is_running: threading.Event) -> None:
        # The echo, the answer and the prompt go out as separate small writes: with Nagle's
        # algorithm each waited for the client's delayed ACK, 40 ms a typed line.
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(client)
        with self._active_sessions_lock:
            self._active_sessions.add(transport)
        try:
            transport.add_server_key(self._ssh_server_key)
            login = _Login(self.authorized)
            transport.start_server(server=login)
            channel = _channel(transport, is_running)
            if channel is None or not login.shell.wait(LOGIN_TIMEOUT_S):
                return
            stdio = _ChannelIO(channel)
            shell = self.shell(
                stdin=stdio, stdout=stdio, nos=self.nos, nos_inventory_config={},
                is_running=is_running, **self.shell_configuration,
            )  # fmt: skip
            shell.start()
        except (paramiko.SSHException, EOFError, OSError) as exc:
            log.debug("CLI CPE on port %s: session ended: %s", self.port, exc)
        finally:
            transport.close()
            with self._active_sessions_lock:
                self._active_sessions.discard(transport)


def _channel(transport: paramiko.Transport, is_running: threading.Event) -> Any:
    """The session's channel once the client has logged in and opened one; None when it went
    away first (a refused login), the lab stops, or LOGIN_TIMEOUT_S passes. Waited for in short
    steps: one long wait outlives a client that left, and holds the lab's stop up."""
    deadline = time.monotonic() + LOGIN_TIMEOUT_S
    while transport.is_active() and is_running.is_set() and time.monotonic() < deadline:
        channel = transport.accept(0.2)
        if channel is not None:
            return channel
    return None


def _ed25519() -> tuple[paramiko.Ed25519Key, str]:
    """A new Ed25519 key, and its private half in OpenSSH format."""
    private = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()  # fmt: skip
    return paramiko.Ed25519Key(file_obj=io.StringIO(private)), private


class CliLab:
    """`count` SSH CLI CPEs on 127.0.0.1, each with its own host key, all taking the lab's
    client key (`key_file`, written under `directory`) for the user running the lab."""

    def __init__(self, count: int, directory: Path) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.count = count
        self.directory = directory
        self.cpes: list[LabCpe] = []
        self.servers: dict[int, CliCpeServer] = {}

    def start(self) -> list[LabCpe]:
        self.directory.mkdir(parents=True, exist_ok=True)
        user = getpass.getuser()
        client_key, private = _ed25519()
        key_file = self.directory / "cli_client_key"
        key_file.touch(mode=0o600)
        key_file.write_text(private)
        try:
            for port in free_ports(self.count):
                host_key, _ = _ed25519()
                server = CliCpeServer(host_key=host_key, username=user,
                                      client_key=client_key.get_base64(), port=port)  # fmt: skip
                try:
                    server.start()
                except OSError as exc:
                    raise LabError(f"CLI CPE on port {port}: {exc}") from None
                self.servers[port] = server
                public = f"{host_key.get_name()} {host_key.get_base64()}"
                self.cpes.append(LabCpe("127.0.0.1", port, user, key_file, public))
        except BaseException:
            self.close()
            raise
        return self.cpes

    def device(self, port: int) -> VrpDevice:
        """The emulated device behind `port` (for tests that look inside it)."""
        return self.servers[port].device

    def stop(self, port: int) -> None:
        """Take one CPE down: its server stops and nothing listens on its port."""
        server = self.servers.pop(port, None)
        if server is not None:
            server.stop()
            server.device.close()

    def close(self) -> None:
        servers = list(self.servers.values())
        self.servers.clear()
        # Each server's listening thread notices the stop within its 1 s accept timeout: all
        # at once, not one after another.
        with ThreadPoolExecutor(max_workers=min(64, max(1, len(servers)))) as pool:
            list(pool.map(lambda s: s.stop(), servers))
        for server in servers:
            server.device.close()

    def __enter__(self) -> list[LabCpe]:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
