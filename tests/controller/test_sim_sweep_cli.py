"""`branchline sim sweep` through the real console script, on a local cluster (loopback)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BRANCHLINE
from tests.simulator.test_sweep import write_grid

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow


def sweep(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BRANCHLINE), "sim", "sweep", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "250", **(env or {})},  # wide: no cell is cut
    )  # fmt: skip


def test_sweep_prints_a_table_and_writes_the_json(tmp_path: Path) -> None:
    scenarios, policies = write_grid(tmp_path)
    args = [a for s in scenarios for a in ("--scenario", str(s))]
    args += [a for p in [*policies, "default"] for a in ("--policy", p)]
    result = sweep(tmp_path, *args, "--workers", "2", "-o", "out/sweep.json")
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "out" / "sweep.json").read_text(encoding="utf-8"))
    assert len(doc["rows"]) == 6
    cells = {(Path(r["scenario"]).name, Path(r["policy"]).name): r for r in doc["rows"]}
    assert cells["flaps.yaml", "literal.yaml"]["path_changes"] >= 100
    assert cells["flaps.yaml", "predictive.json"]["path_changes"] < 10
    assert "path changes" in result.stdout and "default" in result.stdout
    assert "results: out/sweep.json" in result.stdout
    again = sweep(tmp_path, *args, "--workers", "1", "--json", "-o", "again.json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == doc  # the same grid gives the same table
    assert "report:  out/sweep.html" in result.stdout
    html = (tmp_path / "out" / "sweep.html").read_text(encoding="utf-8")
    assert html.count("<h2>") == 2 and (tmp_path / "out" / "sweep-1.png").exists()


def test_sweep_over_probe_presets_and_seeds_shows_intervals(tmp_path: Path) -> None:
    scenarios, _ = write_grid(tmp_path)
    args = ["--scenario", str(scenarios[0]), "--probe", "cisco-bfd", "--probe", "mwan3"]
    result = sweep(tmp_path, *args, "--seeds", "2", "--workers", "2", "-o", "s.json")
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert len(doc["rows"]) == 4 and [g["runs"] for g in doc["groups"]] == [2, 2]
    assert "mean over the seeds [95 % interval]" in result.stdout
    assert "mwan3" in result.stdout and "cisco-bfd" in result.stdout


def test_invalid_files_are_listed_and_nothing_runs(tmp_path: Path) -> None:
    scenarios, _ = write_grid(tmp_path)
    (tmp_path / "bad.yaml").write_text("predictive_return: maybe\n", encoding="utf-8")
    result = sweep(tmp_path, "--scenario", str(scenarios[0]), "--policy", "bad.yaml")
    assert result.returncode == 1
    assert "bad.yaml:1: predictive_return:" in result.stderr
    assert "nothing was run" in result.stderr
    assert not (tmp_path / "sweep.json").exists()


def test_an_unreachable_scheduler_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    scenarios, _ = write_grid(tmp_path)
    args = ["--scenario", str(scenarios[0]), "--scheduler", "tcp://127.0.0.1:1"]
    result = sweep(tmp_path, *args, env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert result.returncode == 1
    assert "sweep failed" in result.stderr and "Traceback" not in result.stderr
