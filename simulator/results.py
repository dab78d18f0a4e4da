"""Results of a run as plain data: per application, per fault, per branch; JSON-ready.

Every float is rounded (3 decimals) so the golden file does not depend on the last bits of a
platform's floating point; wall-clock figures are not results and are never included.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from policies.lint.timing import timing_of
from policies.probe_timers import ProbeTimers
from simulator.detection import DetectRecord
from simulator.faults_spec import Fault
from simulator.switches import FaultRecord
from simulator.world import World

MB_PER_MBIT = 1 / 8


def _r(x: float) -> float:
    return round(float(x), 3)


def _stats(times: list[float]) -> dict[str, float] | None:
    if not times:
        return None
    return {"min": _r(min(times)), "mean": _r(sum(times) / len(times)),
            "p95": _r(float(np.percentile(times, 95, method="higher"))),
            "max": _r(max(times))}  # fmt: skip


def build_results(
    world: World, name: str, seed: int, timers: ProbeTimers, faults: tuple[Fault, ...]
) -> dict[str, Any]:
    """The JSON document of a finished run."""
    net, rec, dt = world.net, world.rec, world.dt
    apps = net.network.apps
    out_s = rec.out_ticks * dt
    metered_mb = rec.metered_mbit * MB_PER_MBIT
    high = np.array([a.priority.value == "high" for a in apps])
    per_app = [
        {
            "app": a.name,
            "priority": a.priority.value,
            "sla_class": a.sla.name,
            "out_of_sla_s": _r(out_s[:, j].sum()),
            "branches_out_of_sla": int((out_s[:, j] > 0).sum()),
            "path_changes": int(rec.path_changes[:, j].sum()),
            "metered_mb": _r(metered_mb[:, j].sum()),
        }
        for j, a in enumerate(apps)
    ]
    per_site = []
    cost_per_mb = _metered_cost_per_mb(world)
    for s, site in enumerate(net.spokes):
        per_site.append(
            {
                "site": site.id,
                "branch_class": site.branch_class.value if site.branch_class else None,
                "path_changes": int(rec.path_changes[s].sum()),
                "out_of_sla_s": _r(out_s[s].sum()),
                "out_of_sla_high_s": _r(out_s[s, high].sum()),
                "metered_mb": _r(metered_mb[s].sum()),
                "metered_cost_cny": _r(metered_mb[s].sum() * cost_per_mb[s]),
                "max_utilization": {
                    link.id: _r(rec.util_max[s, k]) for k, link in enumerate(site.links)
                },
            }
        )
    return {
        "scenario": {
            "name": name,
            "seed": seed,
            "duration_s": _r(len(world.times) * dt),
            "tick_s": _r(dt),
            "branches": len(net.spokes),
            "links": int(net.present.sum()),
            "applications": len(apps),
            "probe": {
                "interval_s": _r(timers.interval_s),
                "multiplier": timers.multiplier,
                "recover": timers.recover,
                # Where a failure falls between two of a link's probes decides where in this
                # range its detection falls; the faults' measured times are below.
                "detect_range_s": [_r(timers.detect_min_s), _r(timers.detect_s)],
                "poll_s": _r(timers.poll_s),
                "window_s": _r(timers.window_s),
                "source": timers.source,
                # What the policy linter says of this policy with these probes: the times the
                # faults' measured ones are to be read against (docs/policies.md, "Timing").
                "worst_case": {
                    k: v
                    for k, v in timing_of(world.engine.policy.sla_dampening, timers)
                    .to_dict()
                    .items()
                    if k.endswith("_s") and k != "probe_interval_s"
                },
            },
            "predictive_return": world.engine.policy.predictive_return,
            "engine_steps": world.steps,
        },
        "totals": {
            "path_changes": int(rec.path_changes.sum()),
            "out_of_sla_s": _r(out_s.sum()),
            "out_of_sla_high_s": _r(out_s[:, high].sum()),
            "metered_mb": _r(metered_mb.sum()),
            # Over every fault of the run: each link outage the probes declared, each app moved.
            "time_to_detect_s": _stats([t for d in world.detection.records for t in d.times]),
            "time_to_switch_s": _stats([t for r in world.switches.records for t in r.times]),
        },
        "applications": per_app,
        "faults": [
            {**_fault(i, f, r, d), "out_of_sla_while_it_lasted": _during(world, i)}
            for i, (f, r, d) in enumerate(
                zip(faults, world.switches.records, world.detection.records, strict=True)
            )
        ],
        "hub_links": [
            {
                "hub": hub,
                "link": link,
                "capacity_mbps": _r(net.hub_capacity_mbps[h]),
                "max_utilization": _r(rec.hub_util_max[h]),
                "mean_utilization": _r(rec.hub_util_sum[h] / max(len(world.times), 1)),
                "over_capacity_s": _r(rec.hub_over_ticks[h] * dt),
            }
            for h, (hub, link) in enumerate(net.hub_links)
        ],
        "sites": per_site,
        "watched": [net.spokes[int(s)].id for s in rec.watched],
    }


def _during(world: World, index: int) -> list[dict[str, Any]]:
    """The applications out of SLA while fault `index` lasted (any cause: faults at the same
    time count too), most seconds first."""
    out = world.rec.fault_out[index]
    if out is None:
        return []
    apps, dt = world.net.network.apps, world.dt
    rows = [
        {"app": a.name, "priority": a.priority.value, "out_of_sla_s": _r(out[:, j].sum() * dt),
         "branches": int((out[:, j] > 0).sum())}
        for j, a in enumerate(apps)
        if out[:, j].any()
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (-r["out_of_sla_s"], r["app"]))


def _metered_cost_per_mb(world: World) -> np.ndarray[Any, np.dtype[np.float64]]:
    # Per-GB price of the site's metered link (a branch has at most one LTE link).
    per_gb = np.where(world.net.metered, world.net.cost_per_gb, 0.0).max(axis=1)
    out: np.ndarray[Any, np.dtype[np.float64]] = per_gb / 1000.0
    return out


def _fault(index: int, fault: Fault, rec: FaultRecord, det: DetectRecord) -> dict[str, Any]:
    return {
        "index": index,
        "kind": fault.kind,
        "at_s": _r(fault.at),
        "duration_s": None if fault.duration is None else _r(fault.duration),
        "links_hit": rec.links_hit,
        "outages": det.cuts,
        "outages_detected": len(det.times),
        "outages_missed": det.missed,
        "time_to_detect_s": _stats(det.times),
        "apps_caught": len(rec.times) + rec.stayed,
        "switched": len(rec.times),
        "stayed": rec.stayed,
        "time_to_switch_s": _stats(rec.times),
        "high_priority_time_to_switch_s": _stats(rec.high_times),
    }


def to_json(results: dict[str, Any]) -> str:
    """Stable JSON text (sorted keys, two-space indent, newline at the end)."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
