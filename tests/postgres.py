"""A throwaway PostgreSQL server (Debian's postgresql package) on a loopback port."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.components import free_port, missing

HOW = "make test installs it (Debian package postgresql, see scripts/debian-packages.txt)"


def _bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    return versions[-1].parent if versions else None


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the 'postgres' user then."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


class PostgresServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self._names = itertools.count(1)

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://branchline@127.0.0.1:{self.port}/{name}"

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=branchline dbname={database}"


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        missing("PostgreSQL server", HOW)
    sudo = _as_postgres_user()
    if sudo and shutil.which("runuser") is None:
        missing("runuser (to start PostgreSQL as a non-root user)", "install util-linux")
    root = Path(tempfile.mkdtemp(prefix="branchline-pg-"))
    data = root / "data"
    try:
        if sudo:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
        root.chmod(0o755)
        subprocess.run(
            [*sudo, str(bin_dir / "initdb"), "-D", str(data), "-U", "branchline",
             "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        port = free_port()
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*sudo, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
             "-l", str(root / "server.log"), "start"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        try:
            yield PostgresServer(port)
        finally:
            subprocess.run(
                [*sudo, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                check=False, capture_output=True,
            )  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)
