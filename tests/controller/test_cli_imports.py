"""`branchline --help` (importing the command line) imports none of the heavy parts: the
stores, the web stack, the engine, the simulator. Each command imports them when it runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = (
    "sqlalchemy", "alembic", "pydantic_settings", "fastapi", "uvicorn", "networkx", "simpy",
    "matplotlib", "dask", "folium", "numpy", "controller.store", "policies", "simulator",
)  # fmt: skip


def test_the_command_line_imports_only_what_its_help_needs() -> None:
    probe = (
        "import sys, controller.cli\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted({m.split('.')[0] if m.split('.')[0] in heavy else m for m in sys.modules"
        " if any(m == h or m.startswith(h + '.') for h in heavy)}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"


def test_every_command_still_has_its_help() -> None:
    for command in ("inventory import", "policy lint", "sim run", "sim sweep", "sim replay",
                    "serve", "demo", "user add", "token create", "lab cpe"):  # fmt: skip
        answer = subprocess.run(
            [str(Path(sys.executable).parent / "branchline"), *command.split(), "--help"],
            check=False, capture_output=True, text=True,
        )  # fmt: skip
        assert answer.returncode == 0, (command, answer.stderr)
        assert "Usage" in answer.stdout
