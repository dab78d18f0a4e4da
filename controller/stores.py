"""Opening the controller's stores from its settings: the database (migrated) and the telemetry
store. Apart from the app (`controller/app.py`) so that CLI commands that only need a store do
not import the web stack."""

from __future__ import annotations

from controller.db.engine import make_engine
from controller.db.migrate import upgrade
from controller.settings import Settings
from controller.store.facade import Store
from telemetry.private_files import private_dir
from telemetry.store.base import TelemetryStore
from telemetry.store.registry import open_store as open_telemetry


def open_store(settings: Settings) -> Store:
    """The database of `settings`, migrated to the current schema."""
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    return Store(engine)


def open_telemetry_store(settings: Settings) -> TelemetryStore:
    backend, options = settings.telemetry_options()
    private_dir(settings.data_dir)
    return open_telemetry(backend, **options)
