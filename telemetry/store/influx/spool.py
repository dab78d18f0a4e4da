"""The on-disk spool: payloads the server did not acknowledge, oldest first.

One file per payload, named by a sequence number and written to a temporary name first,
then renamed: a crash leaves either a whole payload or a `.tmp` file that is discarded on the
next open, never a torn one. The spool outlives the process; a new store sends it first.
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

from telemetry.errors import TelemetryStoreError
from telemetry.private_files import private_dir

SUFFIX = ".lp"


class Spool:
    """A FIFO of byte payloads in `directory`. Used by one thread at a time."""

    def __init__(self, directory: Path, fsync: bool = True) -> None:
        self.directory = directory
        self._fsync = fsync
        try:
            private_dir(directory)
            for partial in directory.glob("*.tmp"):
                partial.unlink()  # a write interrupted before its rename: never acknowledged
            found = sorted(int(path.stem) for path in directory.glob(f"*{SUFFIX}"))
        except (OSError, ValueError) as exc:
            raise TelemetryStoreError(
                f"cannot open the telemetry spool {directory}: {exc}"
            ) from exc
        self._queue: deque[int] = deque(found)
        self._next = found[-1] + 1 if found else 0

    def __len__(self) -> int:
        return len(self._queue)

    def _path(self, seq: int) -> Path:
        return self.directory / f"{seq:020d}{SUFFIX}"

    def append(self, payload: bytes) -> None:
        """Add a payload at the tail; on return it is on disk (fsynced unless disabled)."""
        seq = self._next
        partial = self._path(seq).with_suffix(".tmp")
        try:
            with partial.open("wb") as file:
                file.write(payload)
                if self._fsync:
                    file.flush()
                    os.fsync(file.fileno())
            partial.rename(self._path(seq))
        except OSError as exc:
            raise TelemetryStoreError(f"cannot spool telemetry to {self.directory}: {exc}") from exc
        self._next = seq + 1
        self._queue.append(seq)

    def head(self) -> tuple[int, bytes] | None:
        """The oldest payload and its sequence number, or None when the spool is empty."""
        if not self._queue:
            return None
        seq = self._queue[0]
        try:
            return seq, self._path(seq).read_bytes()
        except OSError as exc:
            raise TelemetryStoreError(
                f"cannot read the telemetry spool {self.directory}: {exc}"
            ) from exc

    def remove(self, seq: int) -> None:
        """Drop the head once the server has acknowledged it."""
        if not self._queue or self._queue[0] != seq:
            raise TelemetryStoreError(f"spool entry {seq} is not the head")
        self._path(seq).unlink(missing_ok=True)
        self._queue.popleft()
