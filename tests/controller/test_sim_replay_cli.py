"""`branchline sim replay` against the controller's own record (issue 6's acceptance item):
a replay of a recorded window reproduces the journal under the policy that was active then."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from controller.reconcile.reconciler import Reconciler
from controller.settings import Settings
from controller.store.facade import Store
from controller.store.path_store import JournalQuery
from controller.stores import open_telemetry_store
from policies.policy import Policy
from simulator.replay import tick_instants
from sites.inventory import Inventory
from sites.loader import dump_inventory
from tests.conftest import BRANCHLINE
from tests.simulator.test_replay import (
    DURATION_S,
    RAMP_AT_S,
    relaxed_primary,
    window_start,
    write_recording,
)

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

EVERY = timedelta(seconds=10)


def branchline(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, reading the controller's data of `settings`."""
    env = {**os.environ, "BRANCHLINE_DATA_DIR": str(settings.data_dir)}
    env.pop("BRANCHLINE_DATABASE_URL", None)
    if settings.database_url:
        env["BRANCHLINE_DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [str(BRANCHLINE), *args], env=env, capture_output=True, check=False, text=True, timeout=120
    )


@pytest.fixture
def recorded_run(
    store: Store, settings: Settings, small_inventory: Inventory
) -> tuple[datetime, datetime]:
    """The controller ran over a recorded window: samples in its telemetry store (a ramp and a
    link failure), a reconcile step at every aligned tick, its decisions in the journal."""
    store.replace_inventory(small_inventory, actor="test-setup")
    telemetry = open_telemetry_store(settings)
    start = window_start()
    end = start + timedelta(seconds=DURATION_S + 10)
    try:
        write_recording(telemetry, small_inventory, start)
        reconciler = Reconciler(
            store, telemetry, timedelta(seconds=settings.observation_lookback_s)
        )
        for tick in tick_instants(start, end, EVERY):
            reconciler.step(tick)
    finally:
        telemetry.close()
    return start, end


def window(start: datetime, end: datetime) -> list[str]:
    return ["--start", start.isoformat(), "--end", end.isoformat(), "--every", "10"]


def test_replay_reproduces_the_journal(
    store: Store, settings: Settings, recorded_run: tuple[datetime, datetime]
) -> None:
    start, end = recorded_run
    total, journal = store.paths.journal(JournalQuery(since=start, until=end), 1000, 0)
    assert total == len(journal)
    rules = {c.rule for c in journal}
    assert {"placed", "offload", "link-down"} <= rules  # the window holds all three kinds

    done = branchline(settings, "sim", "replay", *window(start, end), "--against-journal", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["journal"] == {"matched": len(journal), "missing": [], "extra": []}
    replayed = sorted(
        (datetime.fromisoformat(d["at"]), d["site"], d["app"], d["from"], d["to"])
        for d in report["decisions"]
    )
    expected = sorted((c.at, c.site, c.app, c.from_link, c.to_link) for c in journal)
    assert replayed == expected  # every entry reproduced, at its tick, and nothing extra

    table = branchline(settings, "sim", "replay", *window(start, end), "--against-journal")
    assert table.returncode == 0, table.stderr
    assert f"journal: match: {len(journal)} matched, 0 missing, 0 extra" in table.stdout


def test_another_policy_does_not_reproduce_the_journal_and_a_b_shows_where(
    settings: Settings, recorded_run: tuple[datetime, datetime], tmp_path: Path
) -> None:
    start, end = recorded_run
    relaxed = tmp_path / "relaxed.yaml"
    relaxed.write_text("utilization:\n  primary: {upper: 0.9, lower: 0.5}\n", encoding="utf-8")
    out_file = tmp_path / "replay.json"
    done = branchline(
        settings, "sim", "replay", *window(start, end), "--policy", str(relaxed),
        "--against-journal", "--json", "-o", str(out_file),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    check = json.loads(out_file.read_text(encoding="utf-8"))["journal"]
    assert [(m["site"], m["app"], m["rule"]) for m in check["missing"]] == [
        ("br-hangzhou-001", "office-web", "offload")
    ]
    assert check["extra"] == []

    ab = branchline(
        settings, "sim", "replay", *window(start, end), "--policy-b", str(relaxed), "--json"
    )
    assert ab.returncode == 0, ab.stderr
    differences = json.loads(ab.stdout)["differences"]
    assert [(d["site"], d["app"], d["link_a"], d["link_b"]) for d in differences] == [
        ("br-hangzhou-001", "office-web", "inet-1", "mpls-1")
    ]
    table = branchline(settings, "sim", "replay", *window(start, end), "--policy-b", str(relaxed))
    assert table.returncode == 0, table.stderr
    assert "1 difference(s) between A and B" in table.stdout


def test_exported_files_replay_without_the_controller(
    settings: Settings, store: Store, recorded_run: tuple[datetime, datetime], tmp_path: Path
) -> None:
    start, end = recorded_run
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(dump_inventory(store.export_inventory()), encoding="utf-8")
    elsewhere = Settings(data_dir=tmp_path / "nowhere")
    telemetry_file = settings.data_dir / "telemetry.db"
    done = branchline(
        elsewhere, "sim", "replay", *window(start, end), "--inventory", str(inventory),
        "--telemetry", str(telemetry_file), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from_files = json.loads(done.stdout)["decisions"]
    from_controller = json.loads(
        branchline(settings, "sim", "replay", *window(start, end), "--json").stdout
    )["decisions"]
    # The same decisions; named by the policy that made them: the built-in defaults (no
    # controller to ask), and the controller's default scope before its first version.
    assert {d.pop("policy") for d in from_files} == {"built-in defaults"}
    assert {d.pop("policy") for d in from_controller} == {"default v0"}
    assert from_files == from_controller
    assert not (tmp_path / "nowhere").exists()  # no controller database was created


def test_bad_window_is_a_usage_error(settings: Settings) -> None:
    done = branchline(
        settings, "sim", "replay", "--start", "yesterday", "--end", "x", "--every", "5"
    )
    assert done.returncode == 2
    assert "ISO 8601" in done.stderr


def test_replay_follows_overrides_and_versions_made_inside_the_window(
    store: Store, settings: Settings, small_inventory: Inventory
) -> None:
    """Class B gets an override that relaxes its primary's threshold before the ramp, loses
    it later, then the default changes: the controller offloads at Hangzhou (class B) only
    after the override is gone, and every site restarts under the new default. The replay
    follows each version from when it was made, and names it."""
    start = window_start()
    end = start + timedelta(seconds=DURATION_S + 10)
    now = [start]
    clocked = Store(store.engine, clock=lambda: now[0])  # versions stamped in the window
    clocked.replace_inventory(small_inventory, actor="test-setup")
    telemetry = open_telemetry_store(settings)
    changes = {
        20: ("class:B", relaxed_primary()),  # before the ramp at RAMP_AT_S
        80: ("class:B", None),  # the override removed
        100: ("default", Policy(predictive_return=False)),
    }
    assert RAMP_AT_S < 80
    try:
        write_recording(telemetry, small_inventory, start)
        reconciler = Reconciler(
            clocked, telemetry, timedelta(seconds=settings.observation_lookback_s)
        )
        for tick in tick_instants(start, end, EVERY):
            change = changes.get(round((tick - start).total_seconds()))
            if change is not None:
                now[0] = tick - timedelta(seconds=1)
                clocked.policies.update(*change, comment="test", expected=-1, actor="test")
            reconciler.step(tick)
    finally:
        telemetry.close()
    _, journal = store.paths.journal(JournalQuery(since=start, until=end), 1000, 0)
    offloads = [(c.site, round((c.at - start).total_seconds()), c.policy.scope, c.policy.version)
                for c in journal if c.rule == "offload"]  # fmt: skip
    assert offloads == [("br-hangzhou-001", 80, "default", 0)]  # not at the ramp: relaxed

    done = branchline(settings, "sim", "replay", *window(start, end), "--against-journal", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["journal"] == {"matched": len(journal), "missing": [], "extra": []}
    named = {(d["site"], d["rule"], d["policy"]) for d in report["decisions"]}
    assert ("br-hangzhou-001", "offload", "default v0") in named

    # Under one policy for the whole window (today's default), the replay does not match.
    current = store.policies.current("default").value
    policy_file = settings.data_dir / "current.json"
    policy_file.write_text(current.model_dump_json(), encoding="utf-8")
    flat = branchline(
        settings, "sim", "replay", *window(start, end), "--policy", str(policy_file),
        "--against-journal", "--json",
    )  # fmt: skip
    assert flat.returncode == 1, flat.stderr
    check = json.loads(flat.stdout)["journal"]
    assert ("br-hangzhou-001", "offload") in {(e["site"], e["rule"]) for e in check["extra"]}


def test_a_window_that_starts_mid_run_reports_moves_not_placements_again(
    store: Store, settings: Settings, recorded_run: tuple[datetime, datetime], tmp_path: Path
) -> None:
    """From the middle of the run (after the ramp's offload, before the link failure), the
    replay starts from where the journal had every application then."""
    start, end = recorded_run
    mid = start + timedelta(seconds=RAMP_AT_S + 20)  # the offload was at the tick after it
    _, journal = store.paths.journal(JournalQuery(since=mid, until=end), 1000, 0)
    assert journal and {c.rule for c in journal} == {"link-down"}  # moves only, no placements
    placed_before = store.paths.as_of(mid)
    assert placed_before[("br-hangzhou-001", "office-web")] == "inet-1"  # offloaded by then

    done = branchline(settings, "sim", "replay", *window(mid, end), "--against-journal", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["baseline_paths"] == len(placed_before)
    assert report["journal"] == {"matched": len(journal), "missing": [], "extra": []}

    # A/B from the same starting point: B (relaxed) brings the web app back to the primary.
    relaxed = tmp_path / "relaxed.yaml"
    relaxed.write_text("utilization:\n  primary: {upper: 0.9, lower: 0.5}\n", encoding="utf-8")
    ab = branchline(settings, "sim", "replay", *window(mid, end), "--policy-b", str(relaxed),
                    "--json")  # fmt: skip
    assert ab.returncode == 0, ab.stderr
    [difference] = json.loads(ab.stdout)["differences"]
    assert (difference["app"], difference["link_a"], difference["link_b"]) == (
        "office-web", "inet-1", "mpls-1",
    )  # fmt: skip
    assert difference["reason_a"] == "where it was at the window's start"
