"""The app with the reference network on a loopback port, for the map's browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from bench.bench_map import mixed_batch
from controller.app import create_app
from controller.auth.principal import Role
from controller.settings import Settings
from controller.store.facade import Store
from controller.store.ztp_store import SiteState, Step
from controller.stores import open_store, open_telemetry_store
from sites.inventory import Inventory
from telemetry.samples import to_ms
from tests.components import free_port
from tests.serving import app_on_loopback


class Served:
    """The app on a loopback port, and a viewer's URL of the map."""

    def __init__(self, url: str, app: FastAPI, store: Store) -> None:
        self.url = url
        self.app = app
        self.store = store


@contextmanager
def serve_map(tmp_path: Path, reference_340: Inventory) -> Iterator[Served]:
    """The app on a loopback port over `reference_340` with mixed link samples of now, three
    branches being opened, and a viewer ("watcher") whose token is in `Served.url`."""
    settings = Settings(data_dir=tmp_path / "data", reconcile_interval_s=0)
    store = open_store(settings)
    store.replace_inventory(reference_340, actor="test-setup")
    store.users.add("watcher", Role.VIEWER, None, actor="test-setup")
    token = store.users.create_token("watcher", "map", actor="test-setup")
    telemetry = open_telemetry_store(settings)
    telemetry.write(mixed_batch(reference_340, to_ms(datetime.now(UTC))))
    # Three branches being opened: two planned (one of them invited), one provisioning.
    spokes = [s.id for s in reference_340.sites if s.hubs]
    for site in spokes[:3]:
        store.ztp.plan(site, "test-setup")
    store.ztp.advance(spokes[1], Step(SiteState.INVITED, "invited", "", "t", datetime.now(UTC)))
    store.ztp.advance(spokes[2], Step(SiteState.PROVISIONING, "called-home", "", "t",
                                      datetime.now(UTC)))  # fmt: skip
    app = create_app(settings, store=store, telemetry_store=telemetry)
    try:
        with app_on_loopback(app, free_port()) as base:
            yield Served(f"{base}/map?token={token.text}", app, store)
    finally:
        telemetry.close()
        store.engine.dispose()
