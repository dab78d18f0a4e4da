"""Stores for the telemetry tests: every backend behind one `open_backend` fixture."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sites.generator import generate_reference_network
from sites.inventory import Inventory
from telemetry.store import TelemetryStore, open_store

OpenStore = Callable[[], TelemetryStore]
BACKENDS = ["embedded"]


@pytest.fixture(scope="session")
def network_12() -> Inventory:
    return generate_reference_network(12, seed=5)


@pytest.fixture(params=BACKENDS)
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """A function that opens the parametrised backend, on the same data every time it is
    called (so a test can close and reopen). Stores it opened are closed at the end."""
    opened: list[TelemetryStore] = []

    def opener() -> TelemetryStore:
        if request.param == "embedded":
            store = open_store("embedded", path=tmp_path / "telemetry.db", clock=time.time)
        else:
            raise AssertionError(request.param)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()
