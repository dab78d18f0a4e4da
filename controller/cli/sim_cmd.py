"""`branchline sim run`: run a simulation scenario offline. The logic lives in `simulator/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from controller.cli.console import err, out, progress_bar
from simulator.errors import ScenarioError
from simulator.load import load_scenario
from simulator.model import simulate
from simulator.run import write_outputs

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
    try:
        setup = load_scenario(scenario)
    except ScenarioError as exc:
        for p in exc.problems:
            where = f"{p.source}:{p.line}" if p.line is not None else (p.source or "<scenario>")
            err.print(f"[bold]{escape(where)}[/]: [cyan]{escape(p.field)}[/]: {escape(p.message)}")
        err.print(f"[red]{len(exc.problems)} problem(s)[/]; nothing was run.")
        raise typer.Exit(1) from None
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
        faults = Table("fault", "kind", "at (s)", "apps caught", "switched", "time to switch (s)")
        for f in results["faults"]:
            t = f["time_to_switch_s"]
            when = "-" if t is None else f"{t['min']:g} / {t['mean']:g} / {t['max']:g}"
            faults.add_row(
                str(f["index"]),
                f["kind"],
                f"{f['at_s']:g}",
                str(f["apps_caught"]),
                str(f["switched"]),
                when,
            )
        out.print(faults)
