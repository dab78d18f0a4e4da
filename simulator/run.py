"""Composition root of a simulation: load the scenario, run it, write results and report.

written = run_scenario("scenario.yaml", "out/")
written.results["totals"], written.report_html
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.model import Progress, Run, simulate
from simulator.report import write_report
from simulator.results import to_json
from simulator.scenario.load import load_scenario


@dataclass(frozen=True)
class Written:
    """A finished run and where its files are."""

    run: Run
    results_json: Path
    report_html: Path | None

    @property
    def results(self) -> dict[str, Any]:
        return self.run.results


def write_outputs(run: Run, outdir: str | Path, *, report: bool = True) -> Written:
    """results.json (and report.html with its PNGs) into outdir."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    results_json = out / "results.json"
    results_json.write_text(to_json(run.results), encoding="utf-8")
    html = write_report(run.results, run.world, out) if report else None
    return Written(run, results_json, html)


def run_scenario(
    path: str | Path, outdir: str | Path, progress: Progress | None = None, *, report: bool = True
) -> Written:
    """Load, run and write one scenario file."""
    return write_outputs(simulate(load_scenario(path), progress), outdir, report=report)
