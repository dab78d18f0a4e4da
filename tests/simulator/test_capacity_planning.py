"""Capacity planning (issue 15): demand grown over months and scaled per branch, class or
application from a time of day; link bandwidth overridden; per link the time its applications
wanted more than its upper threshold, their p95, the headroom and the upgrade that fixes it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from simulator.capacity import upgrade_mbps
from simulator.errors import ScenarioError
from simulator.model import simulate
from simulator.scenario.load import load_scenario_text

BASE = """name: planning
network: {{reference: {{branches: 20, seed: 7}}}}
duration: {duration}
seed: 3
start: "10:00"
traffic: {{default: {{shape: flat}}, noise: 0}}
{planning}
"""


def run(planning: str = "", duration: str = "10m") -> Any:
    return simulate(load_scenario_text(BASE.format(planning=planning, duration=duration)))


def test_growth_compounds_over_months_on_every_demand() -> None:
    base = run().world.demand_model.window(0)
    grown = run("planning: {growth: {per_month_pct: 3, months: 12}}").world.demand_model
    assert grown.window(0) == pytest.approx(base * 1.03**12)


def test_a_multiplier_scales_whom_it_names_from_its_time_of_day() -> None:
    plain = run().world
    text = """planning:
  multipliers:
    - {factor: 2, class: A}
    - {factor: 3, application: hd-video, from: "10:05", until: "10:08"}
"""
    world = run(text).world
    spokes, apps = world.net.spokes, [a.name for a in world.net.network.apps]
    a_class = np.array([s.branch_class.value == "A" for s in spokes])
    video = apps.index("hd-video")
    before = world.demand_model.window(0)  # 10:00
    expected = plain.demand_model.window(0) * np.where(a_class, 2.0, 1.0)[:, None]
    assert before == pytest.approx(expected)
    during = world.demand_model.window(360)  # tick 360 at 1 s ticks: 10:06
    scaled = expected.copy()
    scaled[:, video] *= 3
    assert during == pytest.approx(scaled)


GROWN = "planning:\n  growth: {per_month_pct: 10, months: 12}\n"  # demand x 3.1


def test_a_capacity_override_changes_the_link_and_its_figures() -> None:
    results = run(GROWN).results
    hot = results["capacity"]["above_upper"][0]
    site, link, mbps = hot["site"], hot["link"], hot["capacity_mbps"]
    bigger = run(GROWN + f"  capacity: [{{site: {site}, link: {link}, mbps: {4 * mbps:g}}}]\n")
    rows = {(r["site"], r["link"]): r for r in bigger.results["capacity"]["above_upper"]}
    assert (site, link) not in rows
    s = bigger.world.net.network.site_index[site]
    assert float(bigger.world.net.capacity_mbps[s].max()) >= 4 * mbps


def test_the_recommended_upgrades_bring_every_link_under_its_threshold() -> None:
    first = run(GROWN).results["capacity"]
    assert first["upgrades"] >= 3 and first["links_above_upper"] >= first["upgrades"]
    for row in first["above_upper"]:
        assert row["p95_utilization"] > row["upper"] and row["headroom_mbps"] < 0
        assert row["upgrade_mbps"] >= row["capacity_mbps"] * row["p95_utilization"] / row["upper"]
    overrides = ", ".join(
        f"{{site: {r['site']}, link: {r['link']}, mbps: {r['upgrade_mbps']:g}}}"
        for r in first["above_upper"]
        if r["upgrade_mbps"] is not None
    )
    second = run(GROWN + f"  capacity: [{overrides}]\n").results["capacity"]
    assert second["capacity_overrides"] == first["upgrades"]
    assert second["upgrades"] == 0, second["above_upper"]


def test_names_the_network_lacks_are_reported_together() -> None:
    text = """planning:
  multipliers: [{factor: 2, branch: br-atlantis-001}, {factor: 2, application: tiktok}]
  capacity: [{site: br-shenyang-001, link: mstp-9, mbps: 20}]
"""
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(BASE.format(planning=text, duration="1m"))
    found = {".".join(map(str, p.loc)) for p in caught.value.problems}
    assert found == {
        "planning.multipliers.0.branch",
        "planning.multipliers.1.application",
        "planning.capacity.0.link",
    }


@pytest.mark.parametrize(
    ("needed", "expected"), [(1.0, 2.0), (10.0, 10.0), (10.5, 20.0), (1800.0, 2000.0),
                             (12_000.0, 20_000.0)]
)  # fmt: skip
def test_upgrades_are_standard_bandwidths(needed: float, expected: float) -> None:
    assert upgrade_mbps(needed) == expected


LTE = """name: lte plan
network: {reference: {branches: 20, seed: 7}}
duration: 12m
seed: 3
start: "10:00"
planning:
  lte_plan: {monthly_fee_cny: 50, included_gb: 1, over_cny_per_gb: 20}
faults:
  - {kind: link-down, site: br-beijing-001, link: inet-1, at: 1m, duration: 10m}
"""


def test_lte_cost_under_a_data_plan_is_projected_to_a_month() -> None:
    """br-beijing-001's Internet line is down for 10 minutes, its applications go to LTE: at
    that rate the month's data is far over a 1 GB plan, and the overage is priced per GB."""
    run = simulate(load_scenario_text(LTE))
    lte = run.results["capacity"]["lte_plan"]
    assert lte["plan"] == {"monthly_fee_cny": 50.0, "included_gb": 1.0, "over_cny_per_gb": 20.0}
    beijing = next(r for r in lte["by_site"] if r["site"] == "br-beijing-001")
    used_mb = next(s for s in run.results["sites"] if s["site"] == "br-beijing-001")["metered_mb"]
    month_gb = used_mb / 1000.0 * (30 * 86_400) / (12 * 60)
    assert beijing["month_gb"] == pytest.approx(month_gb, rel=1e-3)
    assert beijing["over_cap_gb"] == pytest.approx(month_gb - 1.0, rel=1e-3)
    assert beijing["month_cost_cny"] == pytest.approx(50 + 20 * (month_gb - 1.0), rel=1e-3)
    assert lte["by_site"][0] == beijing  # the dearest first
    # Every other branch with LTE pays the fee alone: nothing went over it.
    others = [r for r in lte["by_site"] if r["site"] != "br-beijing-001"]
    assert others and all(r["month_cost_cny"] == 50.0 for r in others)
    assert lte["sites_over_cap"] == 1
    assert lte["month_cost_cny"] == pytest.approx(sum(r["month_cost_cny"] for r in lte["by_site"]))
