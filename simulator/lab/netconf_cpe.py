"""NETCONF CPEs: Debian's `netconfd` (yuma123) loading our `branchline-cpe` YANG module, one
per CPE, behind `sshd` listening on every CPE's port (one sshd per 16 CPEs; DESIGN §3). Each is
a real NETCONF server: it validates edits against the module (a value out of range is refused), and
offers the candidate datastore, `validate`, `commit confirmed` (it reverts a commit that is not
confirmed in time, or whose session ends) and `rollback-on-error`.

    with NetconfLab(count=3, directory=tmp) as cpes:
        cpes[0].port, cpes[0].host_key ...

netconfd runs its timers (the confirmed commit's among them) only once a second has passed
with no request: a client polling faster than that delays the revert.

The login is the user running the lab, with a key the lab generates (`key_file`); each CPE
starts with an empty datastore. `stop(port)` takes one CPE down (its sshd port stays open but
its NETCONF server is gone), as an unreachable device.

A day-0 bootstrap gives one CPE another login and its configuration: `authorize(port, user,
key)` lets that key in on that CPE alone (sshd reads a per-port key file, `Match LocalPort`),
and `load(port, xml)` commits a configuration as the CPE's console would. sshd logs in users
of this machine only, so the login a bootstrap names must be the lab's user.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from ncclient import NCClientError, manager
from ncclient.operations.rpc import RPCError

from simulator.lab.common import LabCpe, LabError, free_ports
from sites.config.schema import yang_path
from sites.config.xml import parse_xml, render_edit_config
from sites.errors import ConfigError

NETCONFD = "/usr/sbin/netconfd"
SSHD = "/usr/sbin/sshd"
SUBSYSTEM = "/usr/sbin/netconf-subsystem"
SSHD_PORTS = 16
HOW = "install the Debian packages netconfd and openssh-server (scripts/debian-packages.txt)"


def available() -> str | None:
    """None when the lab can run here, else what is missing and how to get it."""
    for program in (NETCONFD, SSHD, SUBSYSTEM, shutil.which("ssh-keygen") or "ssh-keygen"):
        if not Path(program).exists():
            return f"{program} is missing: {HOW}"
    return None


class NetconfLab:
    """`count` NETCONF CPEs on 127.0.0.1 (see module). Files live under `directory`."""

    def __init__(
        self, count: int, directory: Path, *, startup_timeout_s: float | None = None
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.count = count
        self.directory = directory
        self.startup_timeout_s = startup_timeout_s or 20.0 + 0.5 * count
        self.cpes: list[LabCpe] = []
        self._servers: dict[int, subprocess.Popen[bytes]] = {}
        self._sshds: list[subprocess.Popen[bytes]] = []

    def start(self) -> list[LabCpe]:
        missing = available()
        if missing is not None:
            raise LabError(missing)
        self.directory.mkdir(parents=True, exist_ok=True)
        user = getpass.getuser()
        host_key, client_key = self.directory / "host_key", self.directory / "client_key"
        for key in (host_key, client_key):
            if not key.exists():
                _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)])
        (self.directory / "authorized_keys").write_text(client_key.with_suffix(".pub").read_text())
        ports = free_ports(self.count)
        try:
            for port in ports:  # all started at once, then waited for
                self._servers[port] = self._netconfd(port, user)
            for port in ports:
                self._wait_ready(port)
            # sshd listens on at most 16 sockets (MAX_LISTEN_SOCKS): one per 16 CPEs.
            for first in range(0, len(ports), SSHD_PORTS):
                group = ports[first : first + SSHD_PORTS]
                sshd = self._start_sshd(group, user, host_key, first // SSHD_PORTS)
                self._sshds.append(sshd)
                _wait_listening(group, self.startup_timeout_s, sshd)
        except BaseException:
            self.close()
            raise
        public = host_key.with_suffix(".pub").read_text().split()
        self.cpes = [
            LabCpe("127.0.0.1", port, user, client_key, f"{public[0]} {public[1]}")
            for port in ports
        ]
        return self.cpes

    def pids(self) -> list[int]:
        """The processes of the running lab (its NETCONF servers and sshds)."""
        return [p.pid for p in (*self._servers.values(), *self._sshds) if p.poll() is None]

    def authorize(self, port: int, username: str, public_key: str) -> None:
        """Let `public_key` ("ssh-ed25519 AAAA...") log in to the CPE on `port` alone, in place
        of the one a previous bootstrap authorized there."""
        if port not in self._servers:
            raise LabError(f"no CPE of this lab listens on port {port}")
        user = getpass.getuser()
        if username != user:
            raise LabError(
                f"this lab's CPEs log in users of this machine only: {username!r} is "
                f"not {user!r} (set the controller's ZTP device user to it)"
            )
        kind, blob = public_key.split()[:2]
        _private_write(self._authorized(port), f"{kind} {blob}\n")

    def load(self, port: int, config: str) -> None:
        """Commit `config` (the module's `<cpe>` XML) on the CPE on `port`, replacing what it
        runs, as its console would: logged in with the lab's own key."""
        cpe = next((c for c in self.cpes if c.port == port), None)
        if cpe is None:
            raise LabError(f"no CPE of this lab listens on port {port}")
        try:
            parsed = parse_xml(config)
            if parsed is None:
                raise LabError("the day-0 configuration is empty")
            payload = render_edit_config(parsed)
            with manager.connect(
                host=cpe.host, port=port, username=cpe.username, key_filename=str(cpe.key_file),
                allow_agent=False, look_for_keys=False, timeout=15,
                hostkey_b64=cpe.host_key.split()[1],
                device_params={"name": "default"},
            ) as session:  # fmt: skip
                session.edit_config(target="candidate", config=payload)
                session.commit()
        except LabError:
            raise
        except (ConfigError, RPCError, NCClientError, OSError) as exc:
            raise LabError(f"the CPE on port {port} refused its configuration: {exc}") from None

    def stop(self, port: int) -> None:
        """Take one CPE's NETCONF server down (the device stops answering NETCONF)."""
        server = self._servers.pop(port, None)
        if server is not None:
            _end([server])

    def close(self) -> None:
        _end([*self._servers.values(), *self._sshds])
        self._servers.clear()
        self._sshds.clear()

    def __enter__(self) -> list[LabCpe]:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _socket(self, port: int) -> Path:
        return self.directory / f"ncx-{port}.sock"

    def _authorized(self, port: int) -> Path:
        return self.directory / f"authorized_keys-{port}"

    def _netconfd(self, port: int, user: str) -> subprocess.Popen[bytes]:
        log = self.directory / f"netconfd-{port}.log"
        sock = self._socket(port)
        sock.unlink(missing_ok=True)
        home = self.directory / f"home-{port}"  # netconfd keeps a transaction-id file there
        home.mkdir(exist_ok=True)
        server = subprocess.Popen(
            [NETCONFD, f"--module={yang_path()}", f"--port={port}",
             f"--ncxserver-sockname={sock}", f"--superuser={user}", "--no-startup",
             f"--log={log}", "--log-level=warn", f"--home={home}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=self.directory,
        )  # fmt: skip
        return server

    def _wait_ready(self, port: int) -> None:
        sock, server = self._socket(port), self._servers[port]
        deadline = time.monotonic() + self.startup_timeout_s
        while not sock.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                log = self.directory / f"netconfd-{port}.log"
                raise LabError(f"netconfd for port {port} did not start: see {log}")
            time.sleep(0.05)

    def _start_sshd(
        self, ports: list[int], user: str, host_key: Path, number: int
    ) -> subprocess.Popen[bytes]:
        if os.geteuid() == 0:  # sshd run by root wants its privilege-separation directory
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        sockets = " ".join(f"--ncxserver-sockname={p}@{self._socket(p)}" for p in ports)
        config = self.directory / f"sshd-{number}.conf"
        config.write_text(
            "".join(f"Port {p}\n" for p in ports) + f"ListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"PidFile {self.directory / f'sshd-{number}.pid'}\n"
            f"AuthorizedKeysFile {self.directory / 'authorized_keys'}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nUsePAM no\n"
            f"StrictModes no\nAllowUsers {user}\n"
            # One sshd serves 16 CPEs: without these, its default of 10 logins in progress
            # (MaxStartups 10:30:100) drops the connections of a push to many CPEs at once.
            "MaxStartups 1000\nMaxSessions 1000\n"
            f'Subsystem netconf "{SUBSYSTEM} {sockets}"\n'
            # The lab's key on every CPE; the key a bootstrap authorized on its CPE alone.
            + "".join(f"Match LocalPort {p}\n    AuthorizedKeysFile "
                      f"{self.directory / 'authorized_keys'} {self._authorized(p)}\n"
                      for p in ports)
        )  # fmt: skip
        log = self.directory / f"sshd-{number}.log"
        return subprocess.Popen(
            [SSHD, "-D", "-f", str(config), "-E", str(log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LabError(f"{argv[0]} failed: {done.stderr.strip()[:300]}")


def _wait_listening(ports: list[int], timeout_s: float, sshd: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout_s
    for port in ports:
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if sshd.poll() is not None or time.monotonic() > deadline:
                raise LabError(f"sshd is not listening on port {port}")
            time.sleep(0.05)


def _private_write(path: Path, text: str) -> None:
    """Write `path` readable by its owner only (sshd refuses others' key files)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def _end(processes: list[subprocess.Popen[bytes]], grace_s: float = 5.0) -> None:
    """Stop them all: SIGTERM to each at once, SIGKILL to those still there after the grace."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace_s
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
