"""A victoria-metrics server on a loopback port with its own data directory.

Debian's `victoria-metrics` accepts InfluxDB v2 writes (`/api/v2/write`), so tests and
benchmarks of the InfluxDB backend run against a real server (DESIGN §3). The port stays the
same across stop/start, so a client sees the outage and the recovery of one server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from telemetry.errors import TelemetryStoreError

BINARY = "victoria-metrics"


def find_binary() -> str | None:
    """Path of the victoria-metrics executable, or None when the package is not installed."""
    return shutil.which(BINARY)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class VictoriaMetrics:
    """Start with `start()`, stop gracefully with `stop()` (it flushes to disk), or `kill()`."""

    def __init__(self, data_dir: Path, binary: str | None = None, port: int | None = None) -> None:
        found = binary or find_binary()
        if found is None:
            raise TelemetryStoreError(f"{BINARY} not found: install the Debian package {BINARY}")
        self.binary = found
        self.data_dir = data_dir
        self.port = port or free_port()
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """Process id of the running server."""
        if self._process is None:
            raise TelemetryStoreError(f"{BINARY} is not running")
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and return once /health answers OK."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    self.binary,
                    f"-storageDataPath={self.data_dir}",
                    f"-httpListenAddr=127.0.0.1:{self.port}",
                    "-loggerLevel=WARN",
                    "-memory.allowedBytes=256MB",  # shared machines: keep the caches small
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the test runner does not hit it twice
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise TelemetryStoreError(f"{BINARY} exited at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.read().strip() == b"OK":
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        self.kill()
        raise TelemetryStoreError(
            f"{BINARY} not ready on {self.url} after {timeout:g} s; see {self.log_path}"
        )

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM and wait: the server flushes what it acknowledged to disk before exiting."""
        self._end(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL: samples acknowledged within the last second or so may be lost by the server."""
        self._end(signal.SIGKILL, 10.0)

    def _end(self, sig: signal.Signals, timeout: float) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, sig)  # only the process this object started
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def __enter__(self) -> VictoriaMetrics:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
