"""Sweeps: grids of scenarios × policies × probe presets × seeds, on a real local Dask cluster
(loopback) and without one."""

from __future__ import annotations

import math
import shutil
import statistics
from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.model import simulate
from simulator.scenario.load import load_scenario, load_scenario_text
from simulator.sweep import document, run_local, run_sweep, summarize
from simulator.sweep.cluster import open_client
from simulator.sweep.inputs import read_grid
from simulator.sweep.report import write_sweep_report
from simulator.sweep.stats import t975
from sites.generator import generate_reference_network
from sites.loader import dump_inventory

# A browser, a server process, a real cluster or a soak: in `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

# 4 reference branches; from 30 s HD video adds 31 % to a 40 %-loaded primary (as in
# scenarios/literal-flaps.yaml): the literal 70/50 rule returns it and offloads it again.
FLAPS = """\
name: tiny-flaps
network: {reference: {branches: 4, seed: 7}}
duration: 3m
seed: 5
traffic:
  default: {shape: flat, scale: 1.6}
  applications:
    hd-video: {shape: points, points: [[0, 0], [30s, 0], [30s, 2.5], [3m, 2.5]]}
  noise: 0
"""
OUTAGE = """\
name: tiny-outage
network: {reference: {branches: 5, seed: 7}}
duration: 2m
seed: 3
faults:
  - {kind: link-down, site: br-jining-001, link: mpls-1, at: 30s, duration: 1m}
"""
LITERAL = "predictive_return: false\n"
PREDICTIVE = '{"predictive_return": true}\n'


def without_cell(row: dict[str, object]) -> dict[str, object]:
    """A sweep row without what `summarize` does not give: the cell's labels and timeline."""
    return {k: v for k, v in row.items() if k not in ("probe", "links", "timeline")}


def write_grid(folder: Path) -> tuple[list[Path], list[str]]:
    """The two scenario files and two policy files (YAML and JSON) of the test grid."""
    files = {"flaps.yaml": FLAPS, "outage.yaml": OUTAGE}
    files |= {"literal.yaml": LITERAL, "predictive.json": PREDICTIVE}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    scenarios = [folder / "outage.yaml", folder / "flaps.yaml"]
    return scenarios, [str(folder / "predictive.json"), str(folder / "literal.yaml")]


def test_grid_on_a_local_cluster_matches_direct_runs(tmp_path: Path) -> None:
    scenarios, policies = write_grid(tmp_path)
    tasks = read_grid(scenarios, policies)
    assert len(tasks) == 4
    for path in tmp_path.iterdir():  # the tasks carry texts: workers need no files
        path.unlink()
    done: list[int] = []
    with open_client(workers=2) as client:
        assert all(a.startswith("tcp://127.0.0.1:") for a in client.scheduler_info()["workers"])
        rows = run_sweep(client, tasks, done.append)
    assert done == [1, 2, 3, 4]
    assert rows == run_local(tasks)
    by_cell = {(Path(r["scenario"]).name, Path(r["policy"]).name): r for r in rows}
    assert list(by_cell) == [
        ("flaps.yaml", "literal.yaml"),
        ("flaps.yaml", "predictive.json"),
        ("outage.yaml", "literal.yaml"),
        ("outage.yaml", "predictive.json"),
    ]
    literal, predictive = (
        by_cell["flaps.yaml", "literal.yaml"],
        by_cell["flaps.yaml", "predictive.json"],
    )
    assert literal["predictive_return"] is False and predictive["predictive_return"] is True
    assert literal["path_changes"] >= 100 > 10 * predictive["path_changes"]
    video = {a["app"]: a["path_changes"] for a in literal["applications"]}["hd-video"]
    assert video >= 100
    outage = by_cell["outage.yaml", "predictive.json"]
    assert outage["switched"] > 0 and outage["mean_time_to_switch_s"] is not None
    assert outage["mean_time_to_switch_s"] <= 7  # cisco-bfd detects in 7 s
    doc = document(tasks, rows)
    assert len(doc["scenarios"]) == 2 and len(doc["policies"]) == 2


def test_probe_presets_and_seeds_give_intervals_and_one_comparison_report(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "outage.yaml"
    scenario.write_text(OUTAGE, encoding="utf-8")
    tasks = read_grid([scenario], ["default"], probes=["cisco-bfd", "mwan3"], seeds=3)
    assert [(t.probe, t.seed) for t in tasks] == [
        ("cisco-bfd", 3), ("cisco-bfd", 4), ("cisco-bfd", 5), ("mwan3", 3), ("mwan3", 4),
        ("mwan3", 5),
    ]  # fmt: skip
    rows = run_local(tasks)
    # Each row is the run of its cell done directly.
    direct = simulate(
        load_scenario_text(OUTAGE, overrides={"seed": 4, "probe": {"preset": "mwan3"}})
    )
    row = next(r for r in rows if (r["probe"], r["seed"]) == ("mwan3", 4))
    assert without_cell(row) == summarize(direct.results, str(scenario), "default")
    doc = document(tasks, rows)
    assert (doc["probes"], doc["seeds"]) == (["cisco-bfd", "mwan3"], 3)
    cisco, mwan3 = doc["groups"]
    assert (cisco["probe"], cisco["runs"], cisco["seeds"]) == ("cisco-bfd", 3, [3, 4, 5])
    # Detection by the presets' own timers: 6-7 s against 40-50 s, over three seeds each.
    assert 6.0 <= cisco["figures"]["mean_time_to_detect_s"]["mean"] <= 7.0
    assert 40.0 <= mwan3["figures"]["mean_time_to_detect_s"]["mean"] <= 50.0
    # Student's t with 2 degrees of freedom over the three runs.
    values = [r["out_of_sla_s"] for r in rows if r["probe"] == "mwan3"]
    half = t975(2) * statistics.stdev(values) / math.sqrt(3)
    figure = mwan3["figures"]["out_of_sla_s"]
    assert figure["n"] == 3 and t975(2) == 4.303
    assert figure["low"] == pytest.approx(statistics.fmean(values) - half, abs=1e-3)
    assert figure["high"] == pytest.approx(statistics.fmean(values) + half, abs=1e-3)
    assert mwan3["figures"]["out_of_sla_s"]["mean"] > cisco["figures"]["out_of_sla_s"]["mean"]
    report = write_sweep_report(doc, tmp_path / "out" / "sweep.html")
    html = report.read_text(encoding="utf-8")
    assert "<th>default / cisco-bfd</th><th>default / mwan3</th>" in html
    assert "mean time to detect (s)" in html and 'src="sweep-0.png"' in html
    assert (tmp_path / "out" / "sweep-0.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http" not in html.replace("http-equiv", "")


def test_a_probe_preset_the_scenario_s_tick_cannot_take_is_refused_before_any_run(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "outage.yaml"
    scenario.write_text(OUTAGE, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_grid([scenario], ["default"], probes=["fortinet", "nope"], seeds=0)
    found = [(p.source, p.message) for p in caught.value.problems]
    assert ("--seeds", "seeds must be 1 to 1000, got 0") in found
    assert any(
        source == f"{scenario} (probe fortinet)" and "whole multiple of the tick" in message
        for source, message in found
    ), found
    assert any(source == f"{scenario} (probe nope)" for source, _ in found), found


def test_link_models_are_a_dimension_of_the_grid(tmp_path: Path) -> None:
    scenario = tmp_path / "outage.yaml"
    scenario.write_text(OUTAGE, encoding="utf-8")
    lossy = tmp_path / "lossy-internet.yaml"
    lossy.write_text("transports:\n  Internet: {latency_ms: 12, jitter_ms: 3, loss_pct: 4}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("km_per_ms: 100\nroute_factr: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_grid([scenario], ["default"], links=[lossy, bad])
    [problem] = caught.value.problems
    assert (Path(problem.source or "").name, problem.line, problem.field) == (
        "bad.yaml", 2, "route_factr"
    )  # fmt: skip
    tasks = read_grid([scenario], ["default"], links=[lossy])
    assert [t.links_label for t in tasks] == [str(lossy)]
    plain = run_local(read_grid([scenario], ["default"]))
    [row] = run_local(tasks)
    assert row["links"] == str(lossy) and plain[0]["links"] == "scenario"
    # 4 % loss on every Internet link: far more out of SLA than the default 0.05 %.
    assert row["out_of_sla_s"] > 2 * plain[0]["out_of_sla_s"]
    doc = document(tasks, [row])
    assert doc["link_models"] == [str(lossy)] and doc["groups"][0]["links"] == str(lossy)


def on_file(folder: Path, inventory: str, text: str | bytes | None = None) -> Path:
    """OUTAGE on a network read from `inventory` (relative to the scenario), which holds `text`
    (default: the 5 reference branches of OUTAGE; "" writes no file). Returns the scenario."""
    target = folder / inventory
    target.parent.mkdir(parents=True, exist_ok=True)
    scenario = folder / f"on-{target.stem}.yaml"
    network = "network: {reference: {branches: 5, seed: 7}}"
    text_on_file = OUTAGE.replace(network, f"network: {{inventory: {inventory}}}")
    scenario.write_text(text_on_file, encoding="utf-8")
    text = dump_inventory(generate_reference_network(5, seed=7)) if text is None else text
    if isinstance(text, bytes):
        target.write_bytes(text)
    elif text:
        target.write_text(text, encoding="utf-8")
    return scenario


def test_an_inventory_file_travels_with_its_scenario(tmp_path: Path) -> None:
    scenario = on_file(tmp_path / "input", "nets/branches.yaml")
    direct = summarize(simulate(load_scenario(scenario)).results, str(scenario), "default")
    tasks = read_grid([scenario], ["default"])
    shutil.rmtree(tmp_path / "input")  # the worker cannot read the scenario nor its inventory
    with open_client(workers=1) as client:
        rows = run_sweep(client, tasks)
    assert [without_cell(r) for r in rows] == [direct]
    assert rows[0]["scenario_name"] == "tiny-outage" and rows[0]["switched"] > 0


def test_an_unreadable_or_invalid_inventory_is_reported_at_its_scenario(tmp_path: Path) -> None:
    valid = dump_inventory(generate_reference_network(5, seed=7))
    assert valid.splitlines()[8] == "    max_loss_pct: 0.5"  # sla_classes[0], line 9
    scenarios = [
        on_file(tmp_path, "missing.yaml", ""),
        on_file(tmp_path, "latin1.yaml", "organisation: Zürich\n".encode("latin-1")),
        on_file(
            tmp_path, "nets/invalid.yaml", valid.replace("max_loss_pct: 0.5", "max_loss_pct: x")
        ),
        on_file(tmp_path, "nets/fine.yaml"),
    ]
    with pytest.raises(ScenarioError) as caught:
        read_grid(scenarios, ["default"])
    found = {(Path(p.source or "").name, p.line, p.field): p.message for p in caught.value.problems}
    assert list(found) == [
        ("on-missing.yaml", 2, "network.inventory"),
        ("on-latin1.yaml", 2, "network.inventory"),
        ("on-invalid.yaml", 2, "network.inventory"),
    ]
    missing, latin1, invalid = found.values()
    assert missing.startswith(f"{tmp_path / 'missing.yaml'}: (document): cannot read file")
    assert latin1.startswith(f"{tmp_path / 'latin1.yaml'}: (document): cannot read file")
    assert invalid.startswith(f"{tmp_path / 'nets/invalid.yaml'}:9: sla_classes[0].max_loss_pct: ")


def test_default_policy_is_the_scenarios_own(tmp_path: Path) -> None:
    scenarios, _ = write_grid(tmp_path)
    (row,) = run_local(read_grid(scenarios[1:], ["default"]))
    assert row["policy"] == "default"
    assert row["predictive_return"] is True  # the reference policy predicts returns


def test_every_problem_is_reported_before_anything_runs(tmp_path: Path) -> None:
    scenarios, _ = write_grid(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("predictive_return: maybe\nfoo: 1\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(OUTAGE.replace("br-jining-001", "br-nowhere-001"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_grid([*scenarios, broken, tmp_path / "missing.yaml"], [str(bad), "default"])
    found = {(Path(p.source or "").name, p.line, p.field) for p in caught.value.problems}
    assert ("bad.yaml", 1, "predictive_return") in found
    assert ("bad.yaml", 2, "foo") in found
    assert ("broken.yaml", 6, "faults[0].site") in found
    assert any(name == "missing.yaml" for name, _, _ in found)


def test_an_existing_scheduler_by_address(tmp_path: Path) -> None:
    scenarios, policies = write_grid(tmp_path)
    tasks = read_grid(scenarios[1:], policies)
    with open_client(workers=1) as cluster_client:
        address = str(cluster_client.scheduler_info()["address"])
        assert address.startswith("tcp://127.0.0.1:")
        with open_client(address) as client:
            rows = run_sweep(client, tasks)
    assert rows == run_local(tasks)
