"""Capacity planning results: per branch link, how much of the run its own applications wanted
more than its upper threshold, their 95th-percentile and peak load, the headroom left, and the
upgrade that would bring the 95th percentile under the threshold.

A link's "wanted" load is what its applications would put on it: those on it and those the
policy offloaded from it (`Recorder.load_hist`, in 1 % bins of its capacity). Sizing by what is
left after offloading would hide the need the offloads answer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from policies.compiled import IntArray
from simulator.recorder import LOAD_BINS
from simulator.scenario import Planning
from simulator.world import World

# Bandwidths a carrier sells (Mbit/s): the upgrade is the smallest that fits.
STANDARD_MBPS = (2, 4, 6, 8, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10_000)


def _r(x: float) -> float:
    return round(float(x), 3)


def upgrade_mbps(needed: float) -> float:
    """The smallest standard bandwidth of at least `needed` Mbit/s (10 Gbit/s steps above)."""
    for mbps in STANDARD_MBPS:
        if mbps >= needed - 1e-9:
            return float(mbps)
    return float(10_000 * math.ceil(needed / 10_000))


def _percentile_bin(counts: IntArray, share: float) -> int:
    """The bin holding the `share` quantile of these tick counts."""
    cumulative = np.cumsum(counts)
    return int(np.searchsorted(cumulative, share * cumulative[-1], side="left"))


MONTH_S = 30 * 86_400.0


def lte_plan_results(world: World, planning: Planning) -> dict[str, Any] | None:
    """Each branch with a metered link: its data over the run projected to a month (at the
    run's rate) and the month's cost under the scenario's LTE plan; None without a plan."""
    plan = planning.lte_plan
    if plan is None:
        return None
    net, rec = world.net, world.rec
    run_s = len(world.times) * world.dt
    metered_gb = rec.metered_mbit.sum(axis=1) / 8.0 / 1000.0  # Mbit -> MB -> GB
    sites: list[dict[str, Any]] = []
    for s, site in enumerate(net.spokes):
        if not net.metered[s].any():
            continue
        month_gb = float(metered_gb[s]) * MONTH_S / run_s
        over = max(0.0, month_gb - plan.included_gb)
        cost = plan.monthly_fee_cny + over * plan.over_cny_per_gb
        sites.append(
            {"site": site.id, "month_gb": _r(month_gb), "over_cap_gb": _r(over),
             "month_cost_cny": _r(cost)}
        )  # fmt: skip
    sites.sort(key=lambda r: (-r["month_cost_cny"], r["site"]))
    return {
        "plan": plan.model_dump(),
        "sites": len(sites),
        "sites_over_cap": sum(r["over_cap_gb"] > 0 for r in sites),
        "month_cost_cny": _r(sum(r["month_cost_cny"] for r in sites)),
        "by_site": sites,
    }


def capacity_results(world: World, planning: Planning) -> dict[str, Any]:
    """The `capacity` section of results.json."""
    net, rec, dt = world.net, world.rec, world.dt
    thresholds = world.engine.policy.utilization
    rows: list[dict[str, Any]] = []
    n_links = net.shape[1]
    for s, site in enumerate(net.spokes):
        for k, link in enumerate(site.links):
            counts = rec.load_hist[s * n_links + k]
            if counts.sum() == 0:
                continue
            upper = thresholds[link.role].upper
            capacity = float(net.capacity_mbps[s, k])
            first_above = min(LOAD_BINS - 1, math.ceil(upper * 100 - 1e-9))
            above = int(counts[first_above:].sum())
            p95 = (_percentile_bin(counts, 0.95) + 1) / 100.0  # the bin's upper edge
            peak = (int(np.flatnonzero(counts)[-1]) + 1) / 100.0
            fits = p95 <= upper + 1e-9
            rows.append(
                {
                    "site": site.id,
                    "link": link.id,
                    "role": link.role.value,
                    "capacity_mbps": _r(capacity),
                    "upper": _r(upper),
                    "above_upper_s": _r(above * dt),
                    "p95_utilization": _r(p95),
                    "max_utilization": _r(peak),
                    "headroom_mbps": _r(capacity * (upper - p95)),
                    "upgrade_mbps": None if fits else upgrade_mbps(capacity * p95 / upper),
                }
            )
    above_rows = sorted(
        (r for r in rows if r["above_upper_s"] > 0),
        key=lambda r: (-r["above_upper_s"], r["site"], r["link"]),
    )
    return {
        "lte_plan": lte_plan_results(world, planning),
        "growth_factor": _r(planning.growth.factor) if planning.growth else 1.0,
        "multipliers": len(planning.multipliers),
        "capacity_overrides": len(planning.capacity),
        "links": len(rows),
        "links_above_upper": len(above_rows),
        "upgrades": sum(r["upgrade_mbps"] is not None for r in rows),
        # The links that wanted more than their upper threshold at some time, longest first.
        "above_upper": sorted(
            above_rows, key=lambda r: (-r["above_upper_s"], r["site"], r["link"])
        ),
    }
