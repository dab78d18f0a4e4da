"""Real NETCONF CPEs for the device tests: `simulator.lab.netconf_cpe` (netconfd behind sshd on
loopback). Each test gets a CPE of its own, with an empty datastore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.devices.base import Endpoint
from controller.devices.credentials import Credentials
from simulator.lab.common import LabCpe
from simulator.lab.netconf_cpe import HOW, NetconfLab, available
from tests.components import missing

POOL = 12


class Pool:
    def __init__(self, lab: NetconfLab) -> None:
        self.lab = lab
        self.free = list(lab.cpes)

    def take(self) -> LabCpe:
        if not self.free:
            raise RuntimeError(f"more than {POOL} NETCONF CPEs asked for: raise POOL")
        return self.free.pop()


@pytest.fixture(scope="session")
def netconf_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    if available() is not None:
        missing("NETCONF CPE emulator (netconfd, sshd)", HOW)
    lab = NetconfLab(POOL, Path(tmp_path_factory.mktemp("netconf-lab")))
    lab.start()
    try:
        yield Pool(lab)
    finally:
        lab.close()


@pytest.fixture
def cpe(netconf_pool: Pool) -> LabCpe:
    return netconf_pool.take()


def endpoint(cpe: LabCpe, *, host_key: str | None = "pinned", timeout_s: float = 15) -> Endpoint:
    """The controller's view of `cpe`: its address, the lab's login, its host key pinned
    (unless `host_key` is given: None for first contact, or another key)."""
    return Endpoint(
        cpe.host, cpe.port, Credentials(username=cpe.username, key_file=cpe.key_file),
        host_key=cpe.host_key if host_key == "pinned" else host_key, timeout_s=timeout_s,
    )  # fmt: skip
