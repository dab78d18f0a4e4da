"""Golden files: reviewed outputs that a test's output must equal, byte for byte.

`BRANCHLINE_UPDATE_GOLDEN=1` (exactly 1) rewrites them instead, to review the diff before
committing; any other value, or running in CI, compares. One rule for every golden file.
"""

from __future__ import annotations

import os
from pathlib import Path

UPDATE_ENV = "BRANCHLINE_UPDATE_GOLDEN"


def check_golden(path: Path, text: str) -> None:
    """Assert that `path` holds `text` (or rewrite it, see module)."""
    if os.environ.get(UPDATE_ENV) == "1" and os.environ.get("CI") != "true":
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"differs from the reviewed golden file {path} "
        f"(set {UPDATE_ENV}=1 to rewrite it, then review the diff)"
    )
