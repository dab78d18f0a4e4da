"""The `branchline-cpe` YANG module: where it is, and the names the XML rendering uses."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MODULE = "branchline-cpe"
NAMESPACE = "urn:branchline:yang:branchline-cpe"
REVISION = "2026-12-05"


def yang_path() -> Path:
    """The module's file, shipped as package data (netconfd loads it with --module)."""
    path = resources.files("sites.config") / "yang" / f"{MODULE}.yang"
    return Path(str(path))
