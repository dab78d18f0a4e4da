"""Stores for the telemetry tests: every backend behind one `open_backend` fixture, and a real
victoria-metrics server for the InfluxDB backend (DESIGN §3)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.store import TelemetryStore, open_store
from telemetry.testing.victoria_metrics import BINARY, VictoriaMetrics, find_binary

OpenStore = Callable[[], TelemetryStore]
BACKENDS = ["embedded", "influxdb"]

# Short waits: a test that meets an outage should spool and move on quickly.
FAST_RETRIES: dict[str, Any] = {
    "timeout": 5.0,
    "max_attempts": 2,
    "backoff_initial": 0.05,
    "backoff_max": 0.5,
    "spool_fsync": False,
}


def require_victoria_metrics() -> str:
    """The binary's path. Missing: a failure under CI (the package list installs it), a skip
    with the reason on a developer's machine."""
    binary = find_binary()
    if binary is None:
        message = f"{BINARY} is not installed (Debian package {BINARY}; `make system-deps`)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


@pytest.fixture(scope="session")
def victoria(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VictoriaMetrics]:
    """One server for the session; tests keep apart by a unique `instance` tag each."""
    server = VictoriaMetrics(tmp_path_factory.mktemp("vm") / "data", require_victoria_metrics())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_victoria(tmp_path: Path) -> Iterator[VictoriaMetrics]:
    """A server of the test's own, which the test may stop and restart."""
    server = VictoriaMetrics(tmp_path / "vm-data", require_victoria_metrics())
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def network_12() -> Inventory:
    return generate_reference_network(12, seed=5)


@pytest.fixture(params=BACKENDS)
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """A function that opens the parametrised backend, on the same data every time it is
    called (so a test can close and reopen). Stores it opened are closed at the end."""
    opened: list[TelemetryStore] = []
    instance = uuid.uuid4().hex[:12]
    url = request.getfixturevalue("victoria").url if request.param == "influxdb" else ""

    def opener() -> TelemetryStore:
        if request.param == "embedded":
            store = open_store("embedded", path=tmp_path / "telemetry.db", clock=time.time)
        else:
            store = open_store(
                "influxdb",
                url=url,
                spool_dir=tmp_path / "spool",
                tags={"instance": instance},
                **FAST_RETRIES,
            )
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()
