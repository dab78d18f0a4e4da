"""Shared bottlenecks (issue 15): hub links have a capacity, so a hub CPE failure that moves the
private links' traffic onto the surviving hub link congests it, and the applications riding it
fall out of SLA at branches the failure did not cut."""

from __future__ import annotations

from dataclasses import replace
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


def test_a_busy_hub_link_sheds_low_priority_load_without_a_herd() -> None:
    """At 10:00 the reference hub's MPLS link peaks at about 76 %. With the hub's utilization
    in the policy (the default), branches whose private links ride it move low-priority apps to
    their Internet links until it is near 70 %, each branch a little (policies.hubs): the
    peak falls, the moves are few, and none of them comes straight back."""
    text = HUB.format(faults="  []").replace("duration: 20m", "duration: 30m")
    setup = load_scenario_text(text)
    blind = replace(setup, policy=setup.policy.model_copy(update={"hub_utilization": False}))
    runs = {"hub": simulate(setup), "blind": simulate(blind)}
    mean = {k: {h["link"]: h["mean_utilization"] for h in r.results["hub_links"]}
            for k, r in runs.items()}  # fmt: skip
    assert mean["blind"]["ct-1"] > 0.72
    assert 0.6 < mean["hub"]["ct-1"] <= 0.71
    moved = {k: {a["app"]: (a["priority"], a["path_changes"]) for a in r.results["applications"]}
             for k, r in runs.items()}  # fmt: skip
    shed = [a for a, (p, n) in moved["hub"].items() if n > moved["blind"][a][1]]
    assert shed and {moved["hub"][a][0] for a in shed} == {"low"}
    changes = {k: r.results["totals"]["path_changes"] for k, r in runs.items()}
    # A herd would move the same apps at most branches every second or so (tens of thousands).
    assert changes["hub"] <= changes["blind"] + 2 * 340
