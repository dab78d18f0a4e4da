"""Fixtures shared by the whole suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sites.generator import generate_reference_network
from sites.inventory import Inventory

DATA = Path(__file__).parent / "sites" / "data"
BRANCHLINE = Path(sys.executable).parent / "branchline"
"""The console script installed beside the interpreter running the tests (in .venv/bin)."""


@pytest.fixture(scope="session")
def reference_340() -> Inventory:
    """The 340-branch reference network of the README (seed 7)."""
    return generate_reference_network(340, seed=7)


@pytest.fixture
def small_yaml() -> str:
    return (DATA / "small.yaml").read_text(encoding="utf-8")
