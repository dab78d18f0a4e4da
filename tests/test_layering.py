"""The dependency direction of DESIGN.md §2, enforced by import-linter contracts in pyproject.toml.

sites <- policies <- telemetry <- simulator <- controller; policies and sites import no I/O
library; the modules of policies, and those of sites, import one another without cycles. The
second test plants violations in a copy of the tree to prove the contracts bite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sites", "policies", "telemetry", "simulator", "controller")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )


def copy_tree(target: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


def test_the_project_keeps_its_layers() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("policies/_planted.py", "import fastapi\n", "policies is pure"),
        ("policies/_planted.py", "import simpy\n", "policies is pure"),
        ("policies/_planted.py", "from ncclient import manager\n", "policies is pure"),
        ("policies/_planted.py", "import netmiko\n", "policies is pure"),
        ("policies/_planted.py", "import influxdb_client\n", "policies is pure"),
        ("policies/batch/_planted.py", "import policies.engine\n", "policies and sites have no"),
        ("simulator/_planted.py", "import controller.app\n", "Layers"),
        ("sites/_planted.py", "import policies\n", "Layers"),
        ("controller/api/_planted.py", "import sqlalchemy\n", "the API reaches"),
        ("controller/api/_planted.py", "from controller.db import tables\n", "the API reaches"),
    ],
)
def test_a_planted_violation_is_caught(
    tmp_path: Path, module: str, source: str, contract: str
) -> None:
    root = copy_tree(tmp_path)
    (root / module).write_text(source, encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode != 0
    verdicts = [line for line in result.stdout.splitlines() if line.endswith(("KEPT", "BROKEN"))]
    assert [v for v in verdicts if v.endswith("BROKEN")] == [
        v for v in verdicts if v.startswith(contract)
    ], result.stdout
