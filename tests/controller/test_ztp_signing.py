"""The ZTP signing key: created on first use and owner-only, signatures a CPE verifies with the
public key, a tampered document or another key refused, rotation."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from controller.ztp.signing import SigningKey
from sites.bootstrap import Signed, public_text, verify
from tests.conftest import BRANCHLINE


def test_a_signed_document_verifies_and_a_tampered_one_does_not(tmp_path: Path) -> None:
    keys = SigningKey(tmp_path / "ztp")
    assert not keys.path.exists()
    signed = keys.sign({"serial": "HZ-0001", "controller": {"address": "10.0.0.10"}})
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.path.parent.stat().st_mode) == 0o700
    public = public_text(keys.public())
    assert verify(signed, public)["serial"] == "HZ-0001"
    forged = Signed(signed.document.replace("10.0.0.10", "6.6.6.6"), signed.signature,
                    signed.key_id)  # fmt: skip
    with pytest.raises(ValueError, match="does not verify"):
        verify(forged, public)
    other = public_text(SigningKey(tmp_path / "other").public())
    with pytest.raises(ValueError, match="does not verify"):
        verify(signed, other)


def test_rotation_makes_a_new_key_and_keeps_the_previous(tmp_path: Path) -> None:
    keys = SigningKey(tmp_path / "ztp")
    before = public_text(keys.public())
    signed = keys.sign({"n": 1})
    after = public_text(keys.rotate())
    assert after != before and public_text(keys.public()) == after
    assert (tmp_path / "ztp" / "signing-key.previous.pem").exists()
    assert verify(signed, before) == {"n": 1}  # what was signed before still verifies with it
    with pytest.raises(ValueError):
        verify(keys.sign({"n": 2}), before)


def test_the_command_line_shows_and_rotates_the_public_key(tmp_path: Path) -> None:
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str) -> str:
        done = subprocess.run([BRANCHLINE, *args], capture_output=True, text=True, env=env,
                              check=True, timeout=60)  # fmt: skip
        return done.stdout.strip()

    first = run("ztp", "key", "show")
    assert len(first) == 44 and first == run("ztp", "key", "show")
    rotated = run("ztp", "key", "rotate")
    assert rotated != first and rotated == run("ztp", "key", "show")
    assert "PRIVATE" not in first + rotated
