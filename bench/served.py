"""A `branchline serve` of its own for a bench: a temporary data directory, a generated network
imported, an admin token, the server started on loopback and stopped at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sites.generator import generate_reference_network
from sites.inventory import Inventory
from sites.loader import dump_inventory


@dataclass(frozen=True)
class Served:
    base: str
    token: str
    inventory: Inventory
    pid: int


@contextmanager
def served(checkout: Path, sites: int, port: int, postgres: str | None = None) -> Iterator[Served]:
    """`sites` sites (the hub included) served by `checkout`'s code and `.venv`."""
    with tempfile.TemporaryDirectory(prefix="bench-served-") as tmp:
        env = {**os.environ, "BRANCHLINE_DATA_DIR": tmp, "PYTHONPATH": str(checkout)}
        if postgres:
            from bench.bench_reconcile import fresh_postgres

            env["BRANCHLINE_DATABASE_URL"] = fresh_postgres(postgres)
        inventory = generate_reference_network(sites - 1, seed=7)
        path = Path(tmp) / "wan.yaml"
        path.write_text(dump_inventory(inventory), encoding="utf-8")
        cli = [str(checkout / ".venv" / "bin" / "branchline")]
        _call([*cli, "inventory", "import", str(path)], env, checkout)
        _call([*cli, "user", "add", "bench", "--role", "admin"], env, checkout)
        token = _call([*cli, "token", "create", "bench"], env, checkout).strip().split()[-1]
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--log-level", "warning"],
            env=env, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_up(base, server)
            yield Served(base, token, inventory, server.pid)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()


def _call(argv: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def _wait_up(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"the controller exited: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the controller did not start")
