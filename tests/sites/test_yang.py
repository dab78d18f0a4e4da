"""The CPE YANG module is valid under `pyang --strict` and is the one the code names."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sites.config.schema import MODULE, NAMESPACE, REVISION, yang_path

PYANG = Path(sys.executable).parent / "pyang"


def test_module_is_valid_under_pyang_strict() -> None:
    result = subprocess.run(
        [str(PYANG), "--strict", str(yang_path())], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_pyang_refuses_a_broken_module(tmp_path: Path) -> None:
    # The check above must be able to fail: a leafref to nothing is an error under --strict.
    broken = tmp_path / f"{MODULE}.yang"
    text = yang_path().read_text(encoding="utf-8")
    broken.write_text(text.replace("/bl:cpe/bl:wan-link/bl:link", "/bl:cpe/bl:nothing"))
    result = subprocess.run(
        [str(PYANG), "--strict", str(broken)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0


def test_names_in_code_match_the_module() -> None:
    text = yang_path().read_text(encoding="utf-8")
    assert re.search(rf"^module {MODULE} {{", text, re.M)
    assert f'namespace "{NAMESPACE}";' in text
    assert f"revision {REVISION} {{" in text
