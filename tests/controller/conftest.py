"""Fixtures of the controller's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from controller.app import create_app
from controller.settings import Settings
from controller.store.facade import Store
from sites.inventory import Inventory
from telemetry.store.registry import open_store as open_telemetry
from tests.map_app import Served, serve_map


@pytest.fixture
def app(store: Store, small_inventory: Inventory, tmp_path: Path) -> Iterator[FastAPI]:
    """The app over the small network and an embedded telemetry store, with no loops running
    (a test ticks what it needs). A module may define its own `app`."""
    store.replace_inventory(small_inventory, actor="test-setup")
    telemetry = open_telemetry("embedded", path=tmp_path / "t.db")
    yield create_app(Settings(reconcile_interval_s=0), store=store, telemetry_store=telemetry)
    telemetry.close()


@pytest.fixture
def served(tmp_path: Path, reference_340: Inventory) -> Iterator[Served]:
    """The app over the 340-branch reference network on a loopback port (`tests/map_app.py`)."""
    with serve_map(tmp_path, reference_340) as served:
        yield served
