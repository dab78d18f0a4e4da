"""The `branchline` command line, run as a user runs it: the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from controller.auth.principal import Role
from controller.settings import Settings
from controller.stores import open_store
from sites.loader import load_inventory_text
from tests.conftest import BRANCHLINE


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_env({}, *args)


def run_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert BRANCHLINE.exists(), "the console script is installed by `pip install -e .`"
    return subprocess.run(
        [str(BRANCHLINE), *args],
        env={**os.environ, **env},
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )


def test_generate_piped_into_validate() -> None:
    """The README's pipeline: generate --branches 340 --seed 7 | validate -"""
    pipeline = subprocess.run(
        f"'{BRANCHLINE}' inventory generate --branches 340 --seed 7 "
        f"| '{BRANCHLINE}' inventory validate -",
        shell=True,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert pipeline.returncode == 0, pipeline.stderr
    assert "ok <stdin>: 341 sites (1 hub), 16 applications, 7 SLA classes" in pipeline.stdout


def test_validate_reports_every_problem_and_fails(tmp_path: Path, small_yaml: str) -> None:
    bad = tmp_path / "net.yaml"
    bad.write_text(
        small_yaml.replace("latitude: 30.2741", "latitude: 130.2741")
        .replace("transport: LTE", "transport: DSL")
        .replace("role: primary, cpe: HUB-0002", "role: primary, cpe: HUB-0003"),
        encoding="utf-8",
    )
    result = run("inventory", "validate", str(bad))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(bad))]
    assert len(lines) == 3, result.stderr
    assert any(":40: sites[1].latitude:" in line for line in lines)
    assert "3 problems; nothing was loaded." in result.stderr

    as_json = run("inventory", "validate", "--json", str(bad))
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert sorted(p["field"] for p in report["problems"]) == [
        "sites[0].links[1].cpe",
        "sites[1].latitude",
        "sites[2].links[1].transport",
    ]
    assert all(isinstance(p["line"], int) for p in report["problems"])


def test_generate_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "wan.yaml"
    result = run("inventory", "generate", "--branches", "12", "--seed", "1", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "wrote 13 sites" in result.stderr
    summary = json.loads(run("inventory", "validate", "--json", str(target)).stdout)
    assert summary["ok"] is True
    assert summary["sites"] == 13
    assert [p.name for p in target.parent.iterdir()] == ["wan.yaml"]  # no temp file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inventory", "generate", "--branches", "-1"), "--branches"),
        (("inventory", "validate", "/nonexistent.yaml"), "cannot read file"),
        (("serve", "--inventory", "/nonexistent.yaml"), "cannot read file"),
    ],
)
def test_bad_arguments_get_a_readable_error(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_import_then_export_through_the_database(tmp_path: Path, small_yaml: str) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(small_yaml, encoding="utf-8")
    env = {"BRANCHLINE_DATA_DIR": str(tmp_path / "data")}
    imported = run_env(env, "inventory", "import", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "imported 3 sites, 2 applications" in imported.stderr
    exported = run_env(env, "inventory", "export")
    assert exported.returncode == 0, exported.stderr
    assert load_inventory_text(exported.stdout) == load_inventory_text(small_yaml)

    broken = tmp_path / "broken.yaml"
    broken.write_text(small_yaml.replace("role: hub", "role: hubb"), encoding="utf-8")
    refused = run_env(env, "inventory", "import", str(broken))
    assert refused.returncode == 1
    assert "sites[0].role" in refused.stderr
    assert load_inventory_text(run_env(env, "inventory", "export").stdout) == load_inventory_text(
        small_yaml
    )


def test_first_admin_from_the_command_line(tmp_path: Path) -> None:
    env = {"BRANCHLINE_DATA_DIR": str(tmp_path)}
    added = run_env(env, "user", "add", "alice", "--role", "admin")
    assert added.returncode == 0, added.stderr
    assert run_env(env, "user", "add", "alice").returncode == 1  # already exists, said plainly
    created = run_env(env, "token", "create", "alice", "--description", "laptop")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("bl_")
    assert "shown only now" in created.stderr
    listed = run_env(env, "user", "list")
    assert "alice" in listed.stdout
    assert "admin" in listed.stdout

    settings = Settings(data_dir=tmp_path)
    store = open_store(settings)
    try:
        principal = store.users.authenticate(token)
        assert principal is not None
        assert (principal.name, principal.role) == ("alice", Role.ADMIN)
        token_id = token.split("_")[1]
    finally:
        store.engine.dispose()
    assert run_env(env, "token", "revoke", token_id).returncode == 0
    store = open_store(settings)
    try:
        assert store.users.authenticate(token) is None
    finally:
        store.engine.dispose()
