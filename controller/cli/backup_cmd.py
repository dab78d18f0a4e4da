"""`branchline backup DIR`: a consistent copy of what the controller keeps, taken while it runs.

- the embedded database (`branchline.db`) and telemetry store (`telemetry.db`), each by
  SQLite's `VACUUM INTO`: a snapshot of one moment, whatever the controller writes meanwhile
  (a plain file copy of a database in WAL mode can miss its last transactions or tear);
- `ztp/`: the signing key CPEs trust and the controller's logins on the devices it opened
  (owner-only, kept owner-only): without them no opened CPE can be configured again, and no CPE
  verifies a new bootstrap;
- `backup.json`: when, from where, and what was copied.

With PostgreSQL (`BRANCHLINE_DATABASE_URL`) the database is PostgreSQL's to back up (`pg_dump`);
with InfluxDB, the telemetry is InfluxDB's. Restoring is copying the files back into an empty
`BRANCHLINE_DATA_DIR` with the controller stopped (docs/operations.md).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from controller.cli.console import err, out
from telemetry.private_files import FILE_MODE, private_dir


def backup(
    directory: Annotated[Path, typer.Argument(help="where to write the copy (new or empty)")],
) -> None:
    """Copy the controller's databases and keys to DIRECTORY, consistently, while it runs."""
    from controller.settings import Settings

    settings = Settings()
    if directory.exists() and any(directory.iterdir()):
        err.print(f"[red]error[/]: {directory} is not empty: give a new or empty directory")
        raise typer.Exit(2)
    private_dir(directory)
    copied: dict[str, int] = {}
    if settings.database_url:
        err.print("the database is PostgreSQL's: back it up with pg_dump")
    else:
        copied |= _sqlite(settings.data_dir / "branchline.db", directory)
    if settings.influxdb_url:
        err.print("the telemetry is InfluxDB's: back it up with InfluxDB's own tools")
    else:
        copied |= _sqlite(settings.data_dir / "telemetry.db", directory)
    keys = settings.data_dir / "ztp"
    if keys.is_dir():
        shutil.copytree(keys, directory / "ztp", copy_function=shutil.copy2)
        copied["ztp/"] = sum(p.stat().st_size for p in (directory / "ztp").rglob("*")
                             if p.is_file())  # fmt: skip
    manifest = {"taken_at": datetime.now(UTC).isoformat(), "data_dir": str(settings.data_dir),
                "files": copied}  # fmt: skip
    (directory / "backup.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for name, size in copied.items():
        out.print(f"{name}: {size:,} bytes")
    out.print(f"backup written to {directory}")


def _sqlite(source: Path, directory: Path) -> dict[str, int]:
    """`source` copied as of one moment by `VACUUM INTO` (one read transaction: writers go on
    meanwhile, and unlike the backup API it does not start again at each write), owner-only;
    {} if it does not exist."""
    if not source.is_file():
        return {}
    target = directory / source.name
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        with err.status(f"Copying {source.name} ({source.stat().st_size:,} bytes)..."):
            connection.execute("VACUUM INTO ?", (str(target),))
    finally:
        connection.close()
    target.chmod(FILE_MODE)
    return {source.name: target.stat().st_size}
