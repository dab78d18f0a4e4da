"""Parameter sweeps: a grid of scenarios × policies × probe presets × link models × seeds run
on a Dask distributed cluster.

    tasks = read_grid([Path("a.yaml")], ["default", "candidate.yaml"], probes=["fortinet"],
                      seeds=5)
    with open_client(workers=2) as client:
        rows = run_sweep(client, tasks)

Each task ships the scenario, inventory and policy texts to a worker, which loads the scenario
(opening no file) with the cell's probe preset, link models and seed, replaces its policy,
simulates and returns a small summary row (with a coarse timeline of what was out of SLA). Rows
are sorted by (scenario, policy, probe, link models, seed), and every run is seeded by its
scenario or its cell, so the same grid always gives the same table. `simulator.sweep.stats`
folds the seeds of each cell into means with 95 % confidence intervals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
from distributed import Client, as_completed

from policies.document import parse_policy
from simulator.model import simulate
from simulator.scenario.load import load_scenario_text
from simulator.sweep.inputs import SweepTask
from simulator.sweep.stats import groups
from simulator.world import World

Row = dict[str, Any]


TIMELINE_POINTS = 240  # a run's out-of-SLA timeline, in at most this many equal bins


def run_task(task: SweepTask) -> Row:
    """Simulate one cell of the grid (runs on a worker, or here) and summarize it."""
    sc = task.scenario
    setup = load_scenario_text(
        sc.text, sc.label, inventory=sc.inventory, stored=sc.lookup(), overrides=task.overrides()
    )
    if task.policy.text is not None:
        policy = parse_policy(task.policy.text, task.policy.label)
        setup = dataclasses.replace(setup, policy=policy, policy_label=task.policy.label)
    run = simulate(setup)
    row = summarize(run.results, sc.label, task.policy.label)
    return row | {
        "probe": task.probe_label,
        "links": task.links_label,
        "timeline": timeline(run.world),
    }


def timeline(world: World) -> dict[str, Any]:
    """(branch, app) pairs out of SLA over the run: the mean of each of up to
    TIMELINE_POINTS equal bins, and the bins' start times (seconds)."""
    out = world.rec.class_out.sum(axis=1).astype(np.float64)
    bins = min(TIMELINE_POINTS, len(out))
    edges = np.linspace(0, len(out), bins + 1).astype(np.int64)
    means = np.add.reduceat(out, edges[:-1]) / np.diff(edges)
    return {"t_s": [round(float(world.times[i]), 3) for i in edges[:-1]],
            "out_of_sla_pairs": [round(float(m), 3) for m in means]}  # fmt: skip


def summarize(results: dict[str, Any], scenario: str, policy: str) -> Row:
    """The key figures of a results document (docs/simulator.md, "Results")."""
    totals = results["totals"]
    switched = [(f["switched"], f["time_to_switch_s"]) for f in results["faults"]]
    count = sum(n for n, t in switched if t is not None)
    mean = sum(n * t["mean"] for n, t in switched if t is not None) / count if count else None
    detect = totals.get("time_to_detect_s")
    return {
        "scenario": scenario,
        "scenario_name": results["scenario"]["name"],
        "policy": policy,
        "seed": results["scenario"]["seed"],
        "mean_time_to_detect_s": None if detect is None else detect["mean"],
        "predictive_return": results["scenario"]["predictive_return"],
        "path_changes": totals["path_changes"],
        "out_of_sla_s": totals["out_of_sla_s"],
        "out_of_sla_high_s": totals["out_of_sla_high_s"],
        "metered_mb": totals["metered_mb"],
        "metered_cost_cny": round(sum(site["metered_cost_cny"] for site in results["sites"]), 3),
        "lte_month_cost_cny": _lte_month_cost(results),
        "switched": count,
        "mean_time_to_switch_s": None if mean is None else round(mean, 3),
        "applications": [
            {k: a[k] for k in ("app", "out_of_sla_s", "path_changes", "metered_mb")}
            for a in results["applications"]
        ],
    }


def _lte_month_cost(results: dict[str, Any]) -> float | None:
    """The month's LTE cost under the scenario's data plan (None without a plan)."""
    plan = results.get("capacity", {}).get("lte_plan")
    return None if plan is None else float(plan["month_cost_cny"])


def sort_rows(rows: list[Row]) -> list[Row]:
    """Rows in a stable order: by scenario, policy, probe, then seed."""
    return sorted(
        rows,
        key=lambda r: (r["scenario"], r["policy"], r.get("probe", ""), r.get("links", ""),
                       r["seed"]),
    )  # fmt: skip


def run_sweep(
    client: Client, tasks: list[SweepTask], on_done: Callable[[int], None] | None = None
) -> list[Row]:
    """Run every task on the client's cluster; `on_done(n)` after each finished task."""
    futures = [client.submit(run_task, t, pure=False) for t in tasks]
    rows: list[Row] = []
    try:
        # distributed leaves as_completed and cancel unannotated: hence the ignores.
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            rows.append(future.result())
            if on_done is not None:
                on_done(len(rows))
    finally:
        client.cancel(futures)  # type: ignore[no-untyped-call]
    return sort_rows(rows)


def run_local(tasks: list[SweepTask]) -> list[Row]:
    """The same rows without a cluster, one task after another (tests, small grids)."""
    return sort_rows([run_task(t) for t in tasks])


def document(tasks: list[SweepTask], rows: list[Row]) -> dict[str, Any]:
    """The JSON document of a sweep: the grid's axes, one row per run, and per (scenario,
    policy, probe) the runs' figures over the seeds (mean, 95 % interval)."""
    return {
        "scenarios": sorted({t.scenario.label for t in tasks}),
        "policies": sorted({t.policy.label for t in tasks}),
        "probes": sorted({t.probe_label for t in tasks}),
        "link_models": sorted({t.links_label for t in tasks}),
        "seeds": len({t.seed for t in tasks}),
        "rows": rows,
        "groups": groups(rows),
    }
