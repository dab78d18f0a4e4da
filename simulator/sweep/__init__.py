"""Parameter sweeps: a grid of scenarios × policies run on a Dask distributed cluster.

    tasks = read_grid([Path("a.yaml")], ["default", "candidate.yaml"])
    with open_client(workers=2) as client:
        rows = run_sweep(client, tasks)

Each task ships the scenario, inventory and policy texts to a worker, which loads the scenario
(opening no file), replaces its policy, simulates and returns a small summary row. Rows are
sorted by (scenario, policy), and every run is seeded by its scenario, so the same grid always
gives the same table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from distributed import Client, as_completed

from policies.document import parse_policy
from simulator.model import simulate
from simulator.scenario.load import load_scenario_text
from simulator.sweep.inputs import SweepTask

Row = dict[str, Any]


def run_task(task: SweepTask) -> Row:
    """Simulate one cell of the grid (runs on a worker, or here) and summarize it."""
    sc = task.scenario
    setup = load_scenario_text(sc.text, sc.label, inventory=sc.inventory, stored=sc.lookup())
    if task.policy.text is not None:
        policy = parse_policy(task.policy.text, task.policy.label)
        setup = dataclasses.replace(setup, policy=policy, policy_label=task.policy.label)
    return summarize(simulate(setup).results, sc.label, task.policy.label)


def summarize(results: dict[str, Any], scenario: str, policy: str) -> Row:
    """The key figures of a results document (docs/simulator.md, "Results")."""
    totals = results["totals"]
    switched = [(f["switched"], f["time_to_switch_s"]) for f in results["faults"]]
    count = sum(n for n, t in switched if t is not None)
    mean = sum(n * t["mean"] for n, t in switched if t is not None) / count if count else None
    return {
        "scenario": scenario,
        "scenario_name": results["scenario"]["name"],
        "policy": policy,
        "predictive_return": results["scenario"]["predictive_return"],
        "path_changes": totals["path_changes"],
        "out_of_sla_s": totals["out_of_sla_s"],
        "out_of_sla_high_s": totals["out_of_sla_high_s"],
        "metered_mb": totals["metered_mb"],
        "switched": count,
        "mean_time_to_switch_s": None if mean is None else round(mean, 3),
        "applications": [
            {k: a[k] for k in ("app", "out_of_sla_s", "path_changes", "metered_mb")}
            for a in results["applications"]
        ],
    }


def sort_rows(rows: list[Row]) -> list[Row]:
    """Rows in a stable order: by scenario, then policy."""
    return sorted(rows, key=lambda r: (r["scenario"], r["policy"]))


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
    """The JSON document of a sweep: the grid's axes and one row per cell."""
    return {
        "scenarios": sorted({t.scenario.label for t in tasks}),
        "policies": sorted({t.policy.label for t in tasks}),
        "rows": rows,
    }
