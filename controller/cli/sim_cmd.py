"""`branchline sim run` (a scenario) and `branchline sim sweep` (a grid on Dask), offline;
`sim replay` is in `sim_replay_cmd`. The logic lives in `simulator/`; these commands read the
files and, for stored policy versions only, the controller's database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from controller.cli.console import err, out, progress_bar

if TYPE_CHECKING:
    from controller.settings import Settings
    from controller.store.facade import Store
    from policies.governance import PolicyLookup
    from simulator.errors import ScenarioError

app = typer.Typer(help="Simulator: replay link failures and traffic against a policy, offline.")


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file (see docs/simulator.md)")],
    outdir: Annotated[
        Path | None, typer.Option("--output", "-o", help="where results and report go")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the results JSON")] = False,
) -> None:
    """Run a scenario; write results.json and report.html (with PNG plots) to OUTDIR.

    Exit status 1 if the scenario is invalid.
    """
    from controller.settings import Settings
    from simulator.errors import ScenarioError

    # simpy, matplotlib and the report only for this command, not for `branchline --help`.
    from simulator.model import simulate
    from simulator.run import write_outputs
    from simulator.scenario.load import load_scenario

    try:
        with lookup_on_demand(Settings()) as stored:
            setup = load_scenario(scenario, stored)
    except ScenarioError as exc:
        _refuse(exc, "<scenario>")
    target = outdir or Path(f"sim-{setup.scenario.name}")
    total = round(setup.scenario.duration)
    with progress_bar(f"Simulating {setup.scenario.name}", total) as advance:
        result = simulate(setup, lambda done: advance(min(total, round(done))))
    written = write_outputs(result, target)
    if as_json:
        out.print_json(json.dumps(written.results))
        return
    _summary(written.results)
    out.print(f"results: {written.results_json}")
    out.print(f"report:  {written.report_html}")


@contextmanager
def lookup_on_demand(settings: Settings) -> Iterator[PolicyLookup]:
    """Stored policy versions, from the controller's database opened only if a scenario asks
    for one (a scenario with an inline policy runs without a controller)."""
    from controller.simulations.stored import lookup_in
    from controller.stores import open_store

    opened: list[Store] = []

    def store() -> Store:
        if not opened:
            opened.append(open_store(settings))
        return opened[0]

    try:
        yield lookup_in(store)
    finally:
        for each in opened:
            each.engine.dispose()


def _refuse(exc: ScenarioError, unnamed: str) -> NoReturn:
    for p in exc.problems:
        where = f"{p.source}:{p.line}" if p.line is not None else (p.source or unnamed)
        field = f"[cyan]{escape(p.field)}[/]: " if p.loc else ""
        err.print(f"[bold]{escape(where)}[/]: {field}{escape(p.message)}")
    err.print(f"[red]{len(exc.problems)} problem(s)[/]; nothing was run.")
    raise typer.Exit(1) from None


def _summary(results: dict[str, Any]) -> None:
    sc, totals = results["scenario"], results["totals"]
    out.print(
        f"{sc['name']}: {sc['branches']} branches, {sc['duration_s']:g} s simulated; "
        f"{totals['path_changes']} path changes, {totals['out_of_sla_s']:g} app-seconds out of "
        f"SLA ({totals['out_of_sla_high_s']:g} high priority), {totals['metered_mb']:g} MB metered"
    )
    table = Table(
        "application", "priority", "out of SLA (s)", "branches", "path changes", "metered MB"
    )
    for a in results["applications"]:
        table.add_row(
            a["app"],
            a["priority"],
            f"{a['out_of_sla_s']:g}",
            str(a["branches_out_of_sla"]),
            str(a["path_changes"]),
            f"{a['metered_mb']:g}",
        )
    out.print(table)
    if results["faults"]:
        probe = sc["probe"]
        faults = Table(
            "fault",
            "kind",
            "at (s)",
            "outages detected",
            "time to detect (s)",
            "apps caught",
            "switched",
            "time to switch (s)",
            title=f"min / mean / p95 / max; detection with these probes: "
            f"{probe['detect_range_s'][0]:g}-{probe['detect_range_s'][1]:g} s",
        )
        for f in results["faults"]:
            faults.add_row(
                str(f["index"]),
                f["kind"],
                f"{f['at_s']:g}",
                f"{f['outages_detected']} of {f['outages']}" if f["outages"] else "-",
                _spread(f["time_to_detect_s"]),
                str(f["apps_caught"]),
                str(f["switched"]),
                _spread(f["time_to_switch_s"]),
            )
        out.print(faults)
    capacity = results["capacity"]
    if capacity["links_above_upper"]:
        out.print(
            f"capacity: {capacity['links_above_upper']} of {capacity['links']} branch links "
            f"wanted more than their upper threshold; {capacity['upgrades']} upgrades suggested "
            "(results.json: capacity)"
        )


def _spread(stats: dict[str, float] | None) -> str:
    if stats is None:
        return "-"
    return " / ".join(f"{stats[k]:g}" for k in ("min", "mean", "p95", "max"))


@app.command()
def sweep(
    scenarios: Annotated[
        list[Path], typer.Option("--scenario", help="a scenario file (repeat for more)")
    ],
    policies: Annotated[
        list[str] | None,
        typer.Option("--policy", help="a policy file, or 'default' (repeat for more)"),
    ] = None,
    probes: Annotated[
        list[str] | None,
        typer.Option("--probe", help="a probe preset to run every cell with (repeat for more)"),
    ] = None,
    seeds: Annotated[
        int, typer.Option("--seeds", min=1, max=1000, help="seeds per cell (Monte Carlo)")
    ] = 1,
    links: Annotated[
        list[Path] | None,
        typer.Option("--links", help="a link-model file, a scenario's links: (repeat for more)"),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="a Dask scheduler address (default: local)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="local worker processes")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the results JSON")] = False,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="where the JSON results go")
    ] = Path("sweep.json"),
) -> None:
    """Run every scenario under every policy (and probe preset, and seed) on a Dask cluster,
    tabulate the results and write a comparison report beside the JSON.

    Exit status 1 if a file is invalid (nothing is run then).
    """
    from controller.settings import Settings
    from simulator.errors import (
        ScenarioError,
        SimulatorError,
    )

    # Dask only for this command.
    from simulator.sweep import document, run_sweep
    from simulator.sweep.cluster import default_workers, open_client
    from simulator.sweep.inputs import (
        DEFAULT_POLICY,
        read_grid,
    )
    from simulator.sweep.report import write_sweep_report
    from simulator.sweep.stats import shown

    try:
        with lookup_on_demand(Settings()) as stored:
            tasks = read_grid(
                scenarios,
                policies or [DEFAULT_POLICY],
                stored,
                probes=probes,
                seeds=seeds,
                links=links,
            )
    except ScenarioError as exc:
        _refuse(exc, "<input>")
    n = workers or default_workers(len(tasks))
    try:
        with (
            open_client(scheduler, n) as client,
            progress_bar(f"Sweeping {len(tasks)} runs", len(tasks)) as advance,
        ):
            rows = run_sweep(client, tasks, advance)
    except (OSError, TimeoutError, SimulatorError) as exc:  # no scheduler there; a run failed
        err.print(f"[red]sweep failed[/]: {escape(str(exc))}")
        raise typer.Exit(1) from None
    doc = document(tasks, rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    report = write_sweep_report(doc, output.with_suffix(".html"))
    if as_json:
        out.print_json(json.dumps(doc))
        return
    table = Table(
        "scenario", "policy", "probe", "links", "runs", "path changes", "out of SLA (s)",
        "high priority (s)", "metered MB", "mean time to switch (s)",
        title="mean over the seeds [95 % interval]" if seeds > 1 else None,
    )  # fmt: skip
    for g in doc["groups"]:
        f = g["figures"]
        table.add_row(
            escape(g["scenario"]), escape(g["policy"]), escape(g["probe"]), escape(g["links"]),
            str(g["runs"]),
            shown(f["path_changes"]), shown(f["out_of_sla_s"]), shown(f["out_of_sla_high_s"]),
            shown(f["metered_mb"]), shown(f["mean_time_to_switch_s"]),
        )  # fmt: skip
    out.print(table)
    out.print(f"results: {output}")
    out.print(f"report:  {report}")
