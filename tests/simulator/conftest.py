"""Helpers of the simulator tests: scenario files and golden files."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).parent
SCENARIOS = HERE / "scenarios"
GOLDEN = HERE / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/simulator/golden/NAME; BRANCHLINE_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("BRANCHLINE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from the reviewed golden file"
