"""`branchline backup DIR`: a copy a controller can run from, taken while telemetry is written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_map import mixed_batch
from controller.settings import Settings
from controller.stores import open_store, open_telemetry_store
from controller.ztp.signing import SigningKey
from sites.inventory import Inventory
from telemetry.samples import to_ms
from telemetry.store.base import ALL
from tests.conftest import BRANCHLINE


def backup(directory: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BRANCHLINE), "backup", str(directory)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "BRANCHLINE_DATA_DIR": str(data_dir)}, check=False,
    )  # fmt: skip


def test_a_backup_taken_while_samples_arrive_is_a_controller_s_data(
    tmp_path: Path, small_inventory: Inventory
) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    store = open_store(settings)
    store.replace_inventory(small_inventory, actor="test-setup")
    key = SigningKey(data / "ztp")
    key.private()  # made on first use, as the first invitation does
    telemetry = open_telemetry_store(settings)
    start = datetime.now(UTC) - timedelta(minutes=10)
    telemetry.write(mixed_batch(small_inventory, to_ms(start)))
    stop = threading.Event()

    def write_on() -> None:  # the controller keeps writing while the copy is taken
        second = 1
        while not stop.is_set():
            telemetry.write(mixed_batch(small_inventory, to_ms(start + timedelta(seconds=second))))
            second += 1

    writer = threading.Thread(target=write_on)
    writer.start()
    try:
        done = backup(tmp_path / "copy", data)
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    copy = tmp_path / "copy"
    manifest = json.loads((copy / "backup.json").read_text())
    assert set(manifest["files"]) == {"branchline.db", "telemetry.db", "ztp/"}
    for name in ("branchline.db", "telemetry.db", "ztp/signing-key.pem"):
        assert stat.S_IMODE((copy / name).stat().st_mode) == 0o600, name  # owner-only
    assert (copy / "ztp" / "signing-key.pem").read_bytes() == key.path.read_bytes()

    # A controller on the copy has the network and the samples of before the copy.
    restored = Settings(data_dir=copy)
    again = open_store(restored)
    assert again.current.inventory() == store.current.inventory()
    samples = open_telemetry_store(restored)
    try:
        first = samples.query(ALL, start - timedelta(seconds=1), start + timedelta(seconds=1))
        assert len(first) == len(mixed_batch(small_inventory, to_ms(start)))
    finally:
        samples.close()
        telemetry.close()
        again.engine.dispose()
        store.engine.dispose()


def test_a_backup_will_not_write_into_a_directory_holding_something(tmp_path: Path) -> None:
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "keep.txt").write_text("mine")
    done = backup(tmp_path / "copy", tmp_path / "data")
    assert done.returncode == 2 and "is not empty" in done.stderr
    assert (tmp_path / "copy" / "keep.txt").read_text() == "mine"
