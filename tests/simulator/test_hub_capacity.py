"""Shared bottlenecks (issue 15): hub links have a capacity, so a hub CPE failure that moves the
private links' traffic onto the surviving hub link congests it, and the applications riding it
fall out of SLA at branches the failure did not cut."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.model import simulate
from simulator.scenario.load import load_scenario_text

HUB = """name: hub failure
network: {{reference: {{branches: 340, seed: 7}}}}
duration: 20m
seed: 3
start: "10:00"
faults:
{faults}
"""


@pytest.fixture(scope="module")
def runs() -> tuple[dict[str, Any], dict[str, Any]]:
    failure = "  - {kind: hub-cpe-failure, cpe: 0, at: 5m, duration: 10m}"
    with_failure = simulate(load_scenario_text(HUB.format(faults=failure))).results
    without = simulate(load_scenario_text(HUB.format(faults="  []"))).results
    return with_failure, without


def test_a_hub_cpe_failure_congests_the_surviving_hub_link(
    runs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    with_failure, without = runs
    hubs = {h["link"]: h for h in with_failure["hub_links"]}
    calm = {h["link"]: h for h in without["hub_links"]}
    # The reference hub: MPLS ct-1 on CPE 0, Internet cu-1 on CPE 1, 1,000 Mbit/s each.
    assert hubs["cu-1"]["capacity_mbps"] == 1000.0
    assert calm["cu-1"]["max_utilization"] < 1.0 and calm["cu-1"]["over_capacity_s"] == 0.0
    assert hubs["cu-1"]["max_utilization"] > 1.0
    # Over capacity for most of the ten minutes (from when the branches move onto it).
    assert 500.0 <= hubs["cu-1"]["over_capacity_s"] <= 600.0


def test_the_results_name_the_apps_out_of_sla_because_of_it(
    runs: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    with_failure, without = runs
    (fault,) = with_failure["faults"]
    during = {row["app"]: row for row in fault["out_of_sla_while_it_lasted"]}
    baseline = {a["app"]: a["out_of_sla_s"] for a in without["applications"]}
    voice = during["call-centre-voice"]
    assert voice["priority"] == "high" and voice["branches"] >= 300
    # Far more than the whole 20 minutes without the failure: the congestion, not the
    # detection (6-7 s per branch) nor the network's usual state.
    assert voice["out_of_sla_s"] > 50 * max(baseline["call-centre-voice"], 1.0)
    assert voice["out_of_sla_s"] > 300 * 300
    # Most seconds first.
    seconds = [row["out_of_sla_s"] for row in fault["out_of_sla_while_it_lasted"]]
    assert seconds == sorted(seconds, reverse=True)
