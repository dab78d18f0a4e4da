"""What every emulated CPE of the lab shares: where it listens and how to log in to it, the
lab's error, and loopback ports chosen for many servers at once."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import SimulatorError


class LabError(SimulatorError):
    """An emulator could not be started; the message says which program and why."""


@dataclass(frozen=True, slots=True)
class LabCpe:
    """Where one emulated CPE listens and how to log in to it."""

    host: str
    port: int
    username: str
    key_file: Path
    host_key: str
    """The CPE's SSH host key ("ssh-ed25519 AAAA..."), to pin."""


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports (all held while choosing: a port released and asked
    for again can come back twice)."""
    held = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()
