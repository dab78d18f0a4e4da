"""`branchline sim run` and the report it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from controller.cli import app
from tests.simulator.conftest import SCENARIOS

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow


def test_sim_run_writes_results_report_and_plots(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["sim", "run", str(SCENARIOS / "primary-failure.yaml"), "-o", str(tmp_path)],
        env={"COLUMNS": "200"},  # the tables' cells unwrapped
    )
    assert result.exit_code == 0, result.output
    assert "report:" in result.output and "link-down" in result.output
    assert "detection with these probes: 6-7 s" in result.output
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["faults"][0]["switched"] == 16
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Worst case by the policy linter with these probes" in html
    assert "detect down 7 s" in html
    assert "a failure is detected 6-7 s after it" in html
    assert "<th>time_to_detect_s</th>" in html and "<h2>Hub links</h2>" in html
    assert "applications out of SLA while each lasted" in html
    for png in ("network-sla.png", "site-br-shenyang-001.png"):
        assert f'src="{png}"' in html
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sim_run_json_prints_the_results(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["sim", "run", str(SCENARIOS / "primary-failure.yaml"), "-o", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scenario"]["name"] == "primary-failure"


def test_sim_run_refuses_an_invalid_scenario_with_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("network: {reference: {branches: 3}}\nduration: 1m\nprobe: {preset: nope}\n")
    result = CliRunner().invoke(app, ["sim", "run", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: probe.preset:" in result.output
