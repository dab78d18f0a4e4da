"""Files and directories only their owner may read: databases of telemetry, device logs and
the controller's own state hold the network's addresses, its health and its users' token
hashes.

SQLite creates its `-wal` and `-shm` files with the mode of the database file, so creating the
database file owner-only covers them too. Modes apply to what is created here; an existing
directory the operator chose (their home, say) is left as it is.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """`path` as a directory, created (with its missing parents) owner-only if it is new."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        directory.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """`path`, created empty and owner-only if it does not exist yet (its directory too)."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    return path
