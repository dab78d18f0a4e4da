"""Without the victoria-metrics binary, the server tests fail under CI and skip elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.telemetry.conftest import require_victoria_metrics


@pytest.fixture
def no_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("PATH", str(tmp_path))
    return monkeypatch


@pytest.mark.parametrize("ci", ["true", "1"])
def test_a_missing_server_fails_under_ci(no_binary: pytest.MonkeyPatch, ci: str) -> None:
    no_binary.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="victoria-metrics is not installed"):
        require_victoria_metrics()


@pytest.mark.parametrize("ci", [None, "false"])
def test_a_missing_server_skips_with_the_reason_elsewhere(
    no_binary: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        no_binary.delenv("CI", raising=False)
    else:
        no_binary.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="Debian package victoria-metrics"):
        require_victoria_metrics()
