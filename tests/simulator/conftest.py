"""Helpers of the simulator tests: scenario files and golden files."""

from __future__ import annotations

from pathlib import Path

from tests import golden

HERE = Path(__file__).parent
SCENARIOS = HERE / "scenarios"
GOLDEN = HERE / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/simulator/golden/NAME (see tests/golden.py)."""
    golden.check_golden(GOLDEN / name, text)
