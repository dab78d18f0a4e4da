"""The controller's data files are readable by their owner only: its database, the telemetry
store, the device-log store (and SQLite's -wal/-shm files beside each), the InfluxDB spool and
simulation results, in a data directory it creates owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.settings import Settings
from telemetry.store.influx.spool import Spool


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_files_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    app = create_app(Settings(data_dir=data, reconcile_interval_s=0))
    with TestClient(app) as api:
        assert api.get("/api/v1/health").status_code == 200
        files = sorted(p for p in data.rglob("*") if p.is_file())
        names = {p.name for p in files}
        assert {"branchline.db", "telemetry.db", "device-log.db"} <= names
        assert {p.name: oct(_mode(p)) for p in files if _mode(p) & 0o077} == {}
    assert _mode(data) == 0o700
    assert _mode(data.parent) == 0o700  # created by us too
    spool = Spool(tmp_path / "spool")
    assert _mode(spool.directory) == 0o700
