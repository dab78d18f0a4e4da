"""Scenarios and sweeps that name a policy version the controller keeps, through the real
console script reading the controller's database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controller.settings import Settings
from controller.store.facade import Store
from policies.policy import Policy
from tests.controller.test_sim_replay_cli import branchline

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

SCENARIO = """\
name: stored
network: {reference: {branches: 3, seed: 7}}
duration: 2m
seed: 3
policy_version: {scope: 'class:B'%s}
"""


def write(tmp_path: Path, version: str = "") -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO % version, encoding="utf-8")
    return path


def test_sim_run_uses_the_stored_version_and_names_it(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    store.policies.update("class:B", Policy(predictive_return=False), "b", expected=-1, actor="t")
    store.policies.update("class:B", Policy(), "b again", expected=-1, actor="t")
    done = branchline(settings, "sim", "run", str(write(tmp_path, ", version: 1")), "-o",
                      str(tmp_path / "out"), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    scenario = json.loads(done.stdout)["scenario"]
    assert (scenario["policy"], scenario["predictive_return"]) == ("class:B v1", False)
    current = branchline(settings, "sim", "run", str(write(tmp_path)), "-o", str(tmp_path / "o2"),
                         "--json")  # fmt: skip
    assert current.returncode == 0, current.stderr
    assert json.loads(current.stdout)["scenario"]["policy"] == "class:B v2"

    missing = branchline(settings, "sim", "run", str(write(tmp_path, ", version: 9")))
    assert missing.returncode == 1
    assert "scenario.yaml:5: policy_version: policy 'class:B' has no version 9" in missing.stderr
    assert "nothing was run" in missing.stderr


def test_sweep_takes_stored_versions_as_policies(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    store.policies.update("class:B", Policy(predictive_return=False), "b", expected=-1, actor="t")
    scenario = str(write(tmp_path))
    out = tmp_path / "sweep.json"
    args = ["--scenario", scenario, "--policy", "default", "--policy", "stored:default",
            "--policy", "stored:class:B@1", "--workers", "1", "-o", str(out)]  # fmt: skip
    done = branchline(settings, "sim", "sweep", *args)
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert sorted(r["policy"] for r in rows) == ["class:B v1", "default", "default v0"]

    refused = branchline(settings, "sim", "sweep", "--scenario", scenario,
                         "--policy", "stored:class:C", "--policy", "stored:default@x")  # fmt: skip
    assert refused.returncode == 1
    assert "stored:class:C: no policy override for 'class:C'" in refused.stderr
    assert "stored:default@x: not a version number: 'x'" in refused.stderr
